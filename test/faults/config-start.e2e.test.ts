import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChildCommand, cleanEnv } from '../first-run/support/service-process.ts';

describe('starting with a bad configuration', () => {
  it('lists every bad variable in one message and opens nothing', async () => {
    const dataDir = join(tmpdir(), `cnl-config-${randomUUID()}`);
    const start = new ChildCommand('npx', ['tsx', 'src/main.ts'], {
      cwd: process.cwd(),
      env: cleanEnv({
        DATA_DIR: dataDir,
        PORT: 'eighty',
        WHATSAPP_360DIALOG_API_KEY: 'dialog-key',
        WHATSAPP_360DIALOG_BASE_URL: 'waba.360dialog.example',
      }),
    });
    expect(await start.exited, start.output).toBe(1);
    expect(start.stderr).toMatch(/Configuration is invalid/);
    expect(start.stderr).toMatch(/PORT: /);
    expect(start.stderr).toMatch(/WHATSAPP_360DIALOG_BASE_URL must be a URL/);
    expect(start.stderr).toMatch(/WHATSAPP_WEBHOOK_SECRET is required/);
    expect(start.stderr).not.toContain('    at ');
    // The data folder (its lock, the embedded database) is the first thing a start opens.
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);
});
