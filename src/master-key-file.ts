import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.ts';
import { ConfigError, MASTER_KEY_REQUIRED } from './config.ts';
import { deriveLedgerKeys, newMasterKey, parseMasterKey, type LedgerKeys } from './domain/keys/ledger-keys.ts';

/**
 * The master key the service runs with: `LEDGER_MASTER_KEY`, or on embedded defaults the one made in
 * the data folder at first start (`master-key`, readable by its owner only), like the API tokens.
 * `created` says whether this start made it, so the banner can tell the operator to back it up.
 */
export async function resolveMasterKey(config: Pick<Config, 'LEDGER_MASTER_KEY' | 'DATA_DIR'>, embedded: boolean): Promise<{ keys: LedgerKeys; created: string | null }> {
  if (config.LEDGER_MASTER_KEY) {
    const parsed = parseMasterKey(config.LEDGER_MASTER_KEY);
    if (!parsed.ok) throw new ConfigError([`LEDGER_MASTER_KEY: ${parsed.error}`]);
    return { keys: deriveLedgerKeys(parsed.value), created: null };
  }
  if (!embedded) throw new ConfigError([MASTER_KEY_REQUIRED]);
  const path = join(config.DATA_DIR, 'master-key');
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing !== null) {
    const parsed = parseMasterKey(existing);
    if (!parsed.ok) throw new ConfigError([`${path}: ${parsed.error}; restore it from your backup (without it, what it protects cannot be read)`]);
    return { keys: deriveLedgerKeys(parsed.value), created: null };
  }
  const made = newMasterKey();
  await mkdir(config.DATA_DIR, { recursive: true });
  // `wx`: never overwrite a key another start wrote meanwhile.
  await writeFile(path, `${made}\n`, { mode: 0o600, flag: 'wx' });
  return { keys: deriveLedgerKeys(Buffer.from(made, 'base64')), created: path };
}
