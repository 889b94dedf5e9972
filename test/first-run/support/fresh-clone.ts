import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/**
 * A clone of this repository's committed HEAD, as a newcomer gets it: no data folder, no built
 * dashboard, nothing uncommitted. Its node_modules is a link to this tree's, because `npm ci` in
 * the clone would take minutes of the suite's budget and test npm rather than the product.
 */
export async function freshClone(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), 'cnl-first-run-'));
  const dir = join(parent, 'clinic-notification-ledger');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, dir], { stdio: 'pipe' });
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rm(parent, { recursive: true, force: true }) };
}
