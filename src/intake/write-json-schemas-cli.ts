import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { jsonSchemaFiles } from '../domain/intake/json-schemas.ts';
import { webhookJsonSchemaFiles } from '../domain/webhooks/webhook-payloads.ts';

/*
 * Writes the upstream payload contract, and what webhooks send (schemas/webhooks/), as JSON Schema files into schemas/ at the repository root:
 * `npm run schemas`. With --check it writes nothing and exits 1 when the committed files differ
 * from what the zod schemas generate now.
 */

const directory = fileURLToPath(new URL('../../schemas/', import.meta.url));

async function existing(): Promise<Map<string, string>> {
  const top = (await readdir(directory).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  const webhooks = (await readdir(`${directory}webhooks`).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).map((n) => `webhooks/${n}`);
  const names = [...top, ...webhooks];
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(`${directory}${n}`, 'utf8')] as const)));
}

async function main(): Promise<number> {
  const wanted = { ...jsonSchemaFiles(), ...webhookJsonSchemaFiles() };
  const current = await existing();
  const changed = Object.keys(wanted).filter((name) => current.get(name) !== wanted[name]);
  const stale = [...current.keys()].filter((name) => !(name in wanted));
  if (process.argv.includes('--check')) {
    if (changed.length === 0 && stale.length === 0) {
      console.log(`schemas/ is up to date (${Object.keys(wanted).length} files)`);
      return 0;
    }
    console.error(`schemas/ is out of date: changed ${changed.join(', ') || 'none'}; no longer generated ${stale.join(', ') || 'none'}. Run npm run schemas.`);
    return 1;
  }
  await mkdir(`${directory}webhooks`, { recursive: true });
  for (const name of changed) await writeFile(`${directory}${name}`, wanted[name] ?? '');
  for (const name of stale) await rm(`${directory}${name}`);
  console.log(`schemas/: ${Object.keys(wanted).length} files, ${changed.length} written, ${stale.length} removed`);
  return 0;
}

process.exitCode = await main();
