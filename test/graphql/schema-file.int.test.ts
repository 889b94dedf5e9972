import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderSchemaSdl } from '../../src/graphql/schema-sdl.ts';

const root = new URL('../../', import.meta.url);

describe('schema.graphql', () => {
  it('is what the Pothos schema prints', async () => {
    const committed = await readFile(new URL('schema.graphql', root), 'utf8');
    expect(committed).toBe(renderSchemaSdl());
  });

  it('passes npm run schema:check', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'schema:check'], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain('schema.graphql is up to date.');
  });
});
