import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirLocked extends Error {
  override readonly name = 'DataDirLocked';
}

/**
 * PGlite takes no lock on its folder: a second process would open it silently and lose its writes.
 * We hold our own lock file (with our pid) and refuse a second instance; a lock left by a process
 * that no longer runs is taken over.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'service.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && isRunning(pid)) {
        throw new DataDirLocked(`Another instance (pid ${pid}) is using ${dir}. Stop it first, or point DATA_DIR elsewhere.`);
      }
      await rm(path, { force: true });
    }
  }
  throw new DataDirLocked(`Could not lock ${dir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
