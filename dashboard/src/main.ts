import './styles.css';
import { DashboardApp } from './app.ts';
import { WHO_CAN_READ, WhoCanReadAnswer } from './documents.ts';
import { GraphqlClient, UnauthorizedError } from './graphql-client.ts';
import { renderSignIn } from './views/sign-in-view.ts';

// The token lives in this tab's sessionStorage only: closing the tab signs out.
const TOKEN_KEY = 'clinic-notification-ledger.token';
const root = document.getElementById('app')!;
let app: DashboardApp | null = null;

/**
 * `?rows=N` keeps the live list to N rows instead of 200: a wall screen may want fewer, and a test
 * can watch the bound hold without publishing hundreds of events.
 */
function rowBound(): number | undefined {
  const rows = Number(new URLSearchParams(location.search).get('rows') ?? Number.NaN);
  return Number.isInteger(rows) && rows >= 1 && rows <= 10_000 ? rows : undefined;
}

function signIn(message = ''): void {
  app?.stop();
  app = null;
  sessionStorage.removeItem(TOKEN_KEY);
  renderSignIn(root, tryToken, message);
}

async function tryToken(token: string): Promise<string | null> {
  const client = new GraphqlClient(token);
  try {
    await client.request(WHO_CAN_READ, {}, WhoCanReadAnswer);
  } catch (error) {
    if (error instanceof UnauthorizedError) return 'That token was not accepted. Use a dashboard, auditor or admin token.';
    return `The service did not answer as expected: ${error instanceof Error ? error.message : String(error)}`;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  show(client);
  return null;
}

function show(client: GraphqlClient): void {
  app = new DashboardApp(root, client, signIn, rowBound());
  app.start();
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) show(new GraphqlClient(saved));
else signIn();
