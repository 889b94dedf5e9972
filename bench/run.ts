import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Figures = Record<string, number | string | boolean>;

// `npm run bench -- NAME` runs bench/NAME.ts; its figures are the last line printed, as one JSON object.
const benchDir = dirname(fileURLToPath(import.meta.url));
const available = (await readdir(benchDir, { withFileTypes: true }))
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && entry.name !== 'run.ts')
  .map((entry) => entry.name.slice(0, -'.ts'.length))
  .sort();

const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`${name ? `Unknown benchmark "${name}"` : 'No benchmark named'}. Available: ${available.join(', ') || '(none)'}`);
  console.error('Usage: npm run bench -- NAME');
  process.exit(2);
}

const bench: { run?: unknown } = await import(pathToFileURL(join(benchDir, `${name}.ts`)).href);
if (typeof bench.run !== 'function') {
  console.error(`bench/${name}.ts does not export run()`);
  process.exit(2);
}

try {
  const figures: unknown = await bench.run();
  if (!isFigures(figures)) throw new Error(`bench/${name}.ts returned something other than a flat object of numbers, strings and booleans`);
  console.log(JSON.stringify(figures));
  // Pools and timers a benchmark forgot to close must not keep the run alive after its answer.
  process.exit(0);
} catch (error) {
  console.error(`Benchmark ${name} failed:`, error);
  process.exit(1);
}

function isFigures(value: unknown): value is Figures {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => ['number', 'string', 'boolean'].includes(typeof v))
  );
}
