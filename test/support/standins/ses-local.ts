import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { z } from 'zod';
import { startStandin, type StandinServer } from './standin-server.ts';

type StartSesLocal = (config?: { host?: string; port?: number }) => Promise<Server>;

/** aws-ses-v2-local is CommonJS; depending on the loader its function sits at `default` or `default.default`. */
async function loadSesLocal(): Promise<StartSesLocal> {
  const mod: { default: unknown } = await import('aws-ses-v2-local');
  const candidate = typeof mod.default === 'function' ? mod.default : (mod.default as { default?: unknown }).default;
  if (typeof candidate !== 'function') throw new Error('aws-ses-v2-local exports no server function');
  return candidate as StartSesLocal;
}

const StoredEmails = z.object({
  emails: z.array(z.object({
    messageId: z.string(),
    from: z.string(),
    subject: z.string(),
    destination: z.object({ to: z.array(z.string()) }),
    body: z.object({ html: z.string().optional(), text: z.string().optional() }),
  }).passthrough()),
});
export type StoredEmail = z.infer<typeof StoredEmails>['emails'][number];

export interface SesLocal {
  /** aws-ses-v2-local itself. */
  readonly storeUrl: string;
  /**
   * A recording proxy in front of it: point the SDK here. aws-ses-v2-local drops EmailTags, so tags are
   * asserted on the requests this proxy saw; it can also be scripted to answer with SES errors.
   */
  readonly proxy: StandinServer;
  store(): Promise<StoredEmail[]>;
  clearStore(): Promise<void>;
  close(): Promise<void>;
}

export async function startSesLocal(): Promise<SesLocal> {
  const start = await loadSesLocal();
  const server = await start({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  const storeUrl = `http://127.0.0.1:${port}`;
  const proxy = await startStandin(async (recorded) => {
    const forwarded = await request(`${storeUrl}${recorded.path}`, {
      method: 'POST',
      headers: Object.fromEntries(Object.entries(recorded.headers).filter(([name]) => name !== 'host' && name !== 'connection')) as Record<string, string>,
      body: recorded.body,
    });
    const text = await forwarded.body.text();
    const contentType = forwarded.headers['content-type'];
    const headers: Record<string, string> = typeof contentType === 'string' ? { 'content-type': contentType } : {};
    return { status: forwarded.statusCode, body: text, headers };
  });
  return {
    storeUrl,
    proxy,
    async store() {
      const answer = await request(`${storeUrl}/store`);
      return StoredEmails.parse(await answer.body.json()).emails;
    },
    async clearStore() {
      const answer = await request(`${storeUrl}/clear-store`, { method: 'POST' });
      await answer.body.text();
    },
    async close() {
      await proxy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** An SES v2 (restJson1) error answer as the SDK reads it: the type in x-amzn-ErrorType. */
export function sesError(status: number, type: string, message: string): { status: number; body: object; headers: Record<string, string> } {
  return { status, body: { message }, headers: { 'x-amzn-errortype': type, 'content-type': 'application/json' } };
}
