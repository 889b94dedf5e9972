import './styles.css';
import { probeAccess, type Access } from './access.ts';
import { DashboardApp } from './app.ts';
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

/** Signs in with `token` if it may read something here; otherwise says why not. */
async function tryToken(token: string): Promise<string | null> {
  const client = new GraphqlClient(token);
  let access: Access;
  try {
    access = await probeAccess(client);
  } catch (error) {
    if (error instanceof UnauthorizedError) return 'That token was not accepted. Use a dashboard, front desk, auditor or admin token.';
    return `The service did not answer as expected: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (!access.deliveries && !access.conversations) return 'That token may read neither deliveries nor conversations. Use a dashboard, front desk, auditor or admin token.';
  sessionStorage.setItem(TOKEN_KEY, token);
  show(client, access);
  return null;
}

/**
 * A reload in the same tab asks again what the kept token may do (its role may have changed). A
 * service that does not answer yet (a restart) is asked again, so a wall screen signs itself back in.
 */
async function restore(token: string): Promise<void> {
  let waiting = false;
  for (let delayMs = 1000; app === null; delayMs = Math.min(delayMs * 2, 15_000)) {
    const client = new GraphqlClient(token);
    try {
      const access = await probeAccess(client);
      if (app !== null) return;
      if (!access.deliveries && !access.conversations) return signIn('That token may read neither deliveries nor conversations.');
      return show(client, access);
    } catch (error) {
      if (error instanceof UnauthorizedError) return signIn('The token was refused. Sign in again.');
      if (app !== null) return;
      // Drawn once: a token being pasted meanwhile is not wiped by the next try.
      if (!waiting) renderSignIn(root, tryToken, `Waiting for the service (${error instanceof Error ? error.message : String(error)}); trying again…`);
      waiting = true;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

function show(client: GraphqlClient, access: Access): void {
  app = new DashboardApp(root, client, access, signIn, rowBound());
  app.start();
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void restore(saved);
else signIn();
