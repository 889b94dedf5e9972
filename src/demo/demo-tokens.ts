import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const TokenFile = z.array(z.object({ name: z.string(), role: z.string(), token: z.string() }));

export interface DemoTokens {
  /** Publishes events over HTTP: ingest or admin; null when none is known (AMQP needs none). */
  publish: string | null;
  /** Reads counts back over GraphQL: dashboard, auditor or admin; null when none is known. */
  read: string | null;
  /** Puts the demo's staff in the directory; null when no admin token is known. */
  admin: string | null;
  /** Answers the patient who writes back: a front desk token, else the admin's. */
  frontDesk: string | null;
}

/**
 * DEMO_TOKEN (and DEMO_READ_TOKEN, DEMO_ADMIN_TOKEN) when given; otherwise the tokens a service on embedded defaults
 * made in its data folder at first start.
 */
export async function demoTokens(env: Readonly<Record<string, string | undefined>>): Promise<DemoTokens> {
  const dataDir = env.DATA_DIR || './data';
  const fromFile = await readFile(join(dataDir, 'api-tokens.json'), 'utf8').then(
    (text) => TokenFile.safeParse(JSON.parse(text)).data ?? [],
    () => [],
  );
  const byRole = (...roles: string[]) => roles.map((r) => fromFile.find((t) => t.role === r)?.token).find(Boolean) ?? null;
  const publish = env.DEMO_TOKEN || byRole('ingest', 'admin');
  return {
    publish,
    read: env.DEMO_READ_TOKEN || byRole('dashboard', 'auditor', 'admin') || (env.DEMO_TOKEN ?? null),
    admin: env.DEMO_ADMIN_TOKEN || byRole('admin'),
    frontDesk: env.DEMO_FRONTDESK_TOKEN || byRole('frontdesk', 'admin') || env.DEMO_ADMIN_TOKEN || null,
  };
}
