import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ROLES = ['admin', 'auditor', 'dashboard', 'ingest', 'frontdesk'] as const;
export type Role = (typeof ROLES)[number];

/** Every centre: a front desk token on embedded defaults, where the clinic's centres are not known yet. */
export const ALL_CENTRES = '*';

export interface ApiToken {
  /** The identity recorded on every change the token makes. */
  name: string;
  role: Role;
  token: string;
  /** A front desk's centres (`*`: every one); other roles are not scoped to centres. */
  centres?: string[];
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

/**
 * `name:role:token,name:role:token` -> tokens, or the problems with it. A front desk names its
 * centres after the token, `name:frontdesk:token:c1|c2`, and only a front desk does.
 */
export function parseApiTokens(text: string): { tokens: ApiToken[]; problems: string[] } {
  const problems: string[] = [];
  const tokens: ApiToken[] = [];
  text.split(',').map((s) => s.trim()).filter(Boolean).forEach((entry, i) => {
    const [name, role, token, centres, ...rest] = entry.split(':');
    if (!name || !role || !token || rest.length > 0) return problems.push(`API_TOKENS entry ${i + 1} must be name:role:token (name:frontdesk:token:c1|c2 for a front desk)`);
    if (!(ROLES as readonly string[]).includes(role)) return problems.push(`API_TOKENS entry ${i + 1} has role "${role}"; roles are ${ROLES.join(', ')}`);
    if (token.length < 16) return problems.push(`API_TOKENS entry ${i + 1} has a token shorter than 16 characters`);
    if (role !== 'frontdesk') {
      if (centres !== undefined) return problems.push(`API_TOKENS entry ${i + 1}: only a frontdesk token names centres`);
      tokens.push({ name, role: role as Role, token });
      return undefined;
    }
    const list = (centres ?? '').split('|').map((c) => c.trim()).filter(Boolean);
    if (list.length === 0) return problems.push(`API_TOKENS entry ${i + 1}: a frontdesk token names its centres, name:frontdesk:token:c1|c2`);
    tokens.push({ name, role: 'frontdesk', token, centres: list });
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
    const tokens: ApiToken[] = ROLES.map((role) => ({
      name: `local-${role}`,
      role,
      token: randomBytes(24).toString('base64url'),
      ...(role === 'frontdesk' ? { centres: [ALL_CENTRES] } : {}),
    }));
    await mkdir(dataDir, { recursive: true });
    await writeFile(path, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
    return { tokens, created: true, path };
  }
}
