import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderSchemaSdl } from './schema-sdl.ts';

// `npm run schema:print` writes schema.graphql at the repo root from the Pothos schema;
// `npm run schema:check` fails when the committed file is not what the code prints.
const path = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
const printed = renderSchemaSdl();

if (process.argv.includes('--check')) {
  const committed = await readFile(path, 'utf8').catch(() => null);
  if (committed !== printed) {
    console.error(`${committed === null ? 'schema.graphql is missing' : 'schema.graphql is stale'}: run npm run schema:print and commit it.`);
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  await writeFile(path, printed);
  console.log(`Wrote ${path}`);
}
