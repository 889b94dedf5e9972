import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ROLES = ['admin', 'auditor', 'dashboard', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiToken {
  /** The identity recorded on every change the token makes. */
  name: string;
  role: Role;
  token: string;
}

export class ApiTokens {
  constructor(readonly tokens: readonly ApiToken[]) {}

  /** The caller behind a bearer token, compared in constant time; null when unknown. */
  identify(authorization: string | null | undefined): ApiToken | null {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return null;
    const given = Buffer.from(match[1]!);
    return this.tokens.find((t) => {
      const known = Buffer.from(t.token);
      return known.length === given.length && timingSafeEqual(known, given);
    }) ?? null;
  }
}

/** `name:role:token,name:role:token` -> tokens, or the problems with it. */
export function parseApiTokens(text: string): { tokens: ApiToken[]; problems: string[] } {
  const problems: string[] = [];
  const tokens: ApiToken[] = [];
  text.split(',').map((s) => s.trim()).filter(Boolean).forEach((entry, i) => {
    const [name, role, token, ...rest] = entry.split(':');
    if (!name || !role || !token || rest.length > 0) return problems.push(`API_TOKENS entry ${i + 1} must be name:role:token`);
    if (!(ROLES as readonly string[]).includes(role)) return problems.push(`API_TOKENS entry ${i + 1} has role "${role}"; roles are ${ROLES.join(', ')}`);
    if (token.length < 16) return problems.push(`API_TOKENS entry ${i + 1} has a token shorter than 16 characters`);
    tokens.push({ name, role: role as Role, token });
    return undefined;
  });
  return { tokens, problems };
}

/**
 * On embedded defaults with no tokens configured: one token per role, made at first start and
 * kept in the data folder so they survive restarts. `created` says whether to print them.
 */
export async function embeddedApiTokens(dataDir: string): Promise<{ tokens: ApiToken[]; created: boolean; path: string }> {
  const path = join(dataDir, 'api-tokens.json');
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as ApiToken[];
    return { tokens: parsed, created: false, path };
  } catch {
    const tokens = ROLES.map((role) => ({ name: `local-${role}`, role, token: randomBytes(24).toString('base64url') }));
    await mkdir(dataDir, { recursive: true });
    await writeFile(path, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
    return { tokens, created: true, path };
  }
}
