import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard's sources (Vite root) and where its build lands; the service serves `dist`. */
export const DASHBOARD_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard');
export const DASHBOARD_DIST = join(DASHBOARD_ROOT, 'dist');
const STAMP = '.build-stamp';

export type BuildOutcome = 'built' | 'fresh';

/**
 * Builds the dashboard when `dist` is missing or older than any source file. Several processes may
 * ask at once (two test files, `npm start` twice): each builds into its own folder and swaps it in
 * with renames, so a reader never sees a half-written `dist`.
 */
export async function ensureDashboardBuilt(options: { force?: boolean; quiet?: boolean } = {}): Promise<BuildOutcome> {
  if (!options.force && !(await isStale())) return 'fresh';
  const vite = await import('vite').catch(() => null);
  if (!vite) {
    // An install without dev dependencies (a production image) serves the dist it was built with.
    if (!options.force && (await hasBuild())) return 'fresh';
    throw new Error('vite is not installed: run `npm ci` (with dev dependencies) first');
  }
  const { build } = vite;
  const outDir = join(DASHBOARD_ROOT, `.dist-${process.pid}-${Date.now()}`);
  try {
    await build({
      configFile: join(DASHBOARD_ROOT, 'vite.config.ts'),
      root: DASHBOARD_ROOT,
      logLevel: options.quiet ? 'silent' : 'warn',
      build: { outDir, emptyOutDir: true },
    });
    await writeFile(join(outDir, STAMP), new Date().toISOString());
    const old = join(DASHBOARD_ROOT, `.dist-old-${process.pid}-${Date.now()}`);
    await rename(DASHBOARD_DIST, old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(outDir, DASHBOARD_DIST);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return 'built';
}

async function hasBuild(): Promise<boolean> {
  return stat(join(DASHBOARD_DIST, 'index.html')).then(() => true, () => false);
}

async function isStale(): Promise<boolean> {
  const built = await stat(join(DASHBOARD_DIST, STAMP)).then((s) => s.mtimeMs, () => null);
  if (built === null) return true;
  return (await newestSourceMtime(DASHBOARD_ROOT)) > built;
}

async function newestSourceMtime(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? await newestSourceMtime(path) : (await stat(path)).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}
