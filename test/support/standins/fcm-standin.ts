import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { headerOf, startStandin, type RecordedRequest, type StandinServer } from './standin-server.ts';

export interface TestServiceAccount {
  client_email: string;
  private_key: string;
  project_id: string;
  publicKey: KeyObject;
}

/** A service account key like a downloaded key file, with its public half for the stand-in. */
export function makeServiceAccount(projectId = 'clinic-notify-test'): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    client_email: `notifier@${projectId}.iam.gserviceaccount.com`,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    project_id: projectId,
    publicKey,
  };
}

/** An FCM v1 error body with the FcmError detail (and optional BadRequest field violations). */
export function fcmError(httpCode: number, status: string, errorCode: string | undefined, fields: string[] = []): object {
  const details: object[] = [];
  if (errorCode) details.push({ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode });
  if (fields.length > 0) {
    details.push({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: fields.map((field) => ({ field, description: `Invalid ${field}` })) });
  }
  return { error: { code: httpCode, message: `${status} from the stand-in`, status, details } };
}

export interface FcmStandin {
  server: StandinServer;
  /** Its token endpoint, for the transport's `tokenUrl`. */
  tokenUrl: string;
  /** Token exchanges it answered. */
  tokenRequests(): RecordedRequest[];
  sendRequests(): RecordedRequest[];
  /** Makes every token issued so far unacceptable, as after a revocation. */
  revokeTokens(): void;
  /** Device registration tokens FCM no longer knows (the app was uninstalled): 404 UNREGISTERED. */
  unregisterDevices(...deviceTokens: string[]): void;
}

/**
 * FCM HTTP v1 plus Google's OAuth2 token endpoint: POST /token verifies the RS256 JWT bearer assertion
 * against the service account's public key; POST /v1/projects/{id}/messages:send needs a token it issued.
 */
export async function startFcmStandin(account: TestServiceAccount, expiresInS = 3599): Promise<FcmStandin> {
  const issued = new Set<string>();
  const unregistered = new Set<string>();
  let tokenUrl = '';
  const server = await startStandin((request) => {
    if (request.path === '/token') return exchange(request);
    if (request.path !== `/v1/projects/${account.project_id}/messages:send`) return { status: 404, body: fcmError(404, 'NOT_FOUND', undefined) };
    const bearer = headerOf(request, 'authorization')?.replace(/^Bearer /, '');
    if (!bearer || !issued.has(bearer)) return { status: 401, body: fcmError(401, 'UNAUTHENTICATED', undefined) };
    const body = JSON.parse(request.text) as { message?: { token?: unknown } };
    if (typeof body.message?.token !== 'string') return { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', ['message.token']) };
    if (unregistered.has(body.message.token)) return { status: 404, body: fcmError(404, 'NOT_FOUND', 'UNREGISTERED') };
    return { status: 200, body: { name: `projects/${account.project_id}/messages/0:${Date.now()}%${randomBytes(8).toString('hex')}` } };
  });
  tokenUrl = `${server.url}/token`;

  function exchange(request: RecordedRequest) {
    const form = new URLSearchParams(request.text);
    const refuse = (error: string, description: string) => ({ status: 400, body: { error, error_description: description } });
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('unsupported_grant_type', 'Invalid grant_type');
    const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
    if (!header || !claims || !signature) return refuse('invalid_request', 'Invalid JWT');
    const valid = verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), account.publicKey, Buffer.from(signature, 'base64url'));
    const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
    if (!valid || decoded.iss !== account.client_email || decoded.aud !== tokenUrl) return refuse('invalid_grant', 'Invalid JWT Signature.');
    const token = `ya29.standin-${randomBytes(12).toString('hex')}`;
    issued.add(token);
    return { status: 200, body: { access_token: token, expires_in: expiresInS, token_type: 'Bearer' } };
  }

  return {
    server,
    tokenUrl,
    tokenRequests: () => server.requests.filter((request) => request.path === '/token'),
    sendRequests: () => server.requests.filter((request) => request.path !== '/token'),
    revokeTokens: () => issued.clear(),
    unregisterDevices: (...deviceTokens) => {
      for (const token of deviceTokens) unregistered.add(token);
    },
  };
}

/** The claims of a JWT, without verifying it. */
export function jwtClaims(assertion: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}
