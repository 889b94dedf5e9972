import { parseArgs } from 'node:util';
import { ensureDashboardBuilt } from './build-dashboard.ts';

// `npm run build:dashboard` always builds; `npm start` runs it with --if-stale first.
const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean', default: false } } });
const started = Date.now();
ensureDashboardBuilt({ force: !values['if-stale'] }).then(
  (outcome) => {
    if (outcome === 'built') console.log(`dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },
  (error: unknown) => {
    console.error(`The dashboard could not be built: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
