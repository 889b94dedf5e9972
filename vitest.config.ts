import { defineConfig } from 'vitest/config';

// Node resolves `graphql` (no "exports" field) to its CommonJS build, which is what Pothos and
// yoga load; Vite would hand our sources the ESM build, and two copies of graphql refuse each
// other's types. Resolve it as Node does, so tests run the one copy production runs.
const resolve = { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] };

// Two projects, the base of the pyramid apart from the rest: `unit` runs pure code only and has no
// global setup, so it passes on a machine with neither PostgreSQL nor RabbitMQ (`npm run test:unit`);
// `integration` holds every other test and checks both services before the first file runs.
const unitFiles = ['src/**/*.unit.test.ts', 'test/**/*.unit.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    // Two files at a time: most of an integration test's time is waiting on PostgreSQL, RabbitMQ or a
    // stand-in, so two workers halve the wall time on a two-core machine, where the default runs one.
    maxWorkers: 2,
    // One report for both projects: .ci/run reads its <testsuites> totals.
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-artifacts/junit.xml' },
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: unitFiles,
          // Pure code keeps no state between files worth a fresh process each: reusing the workers
          // spares importing the domain (liquidjs, zod, libphonenumber) once per file.
          isolate: false,
          // Pure code, but the machine's cores are shared: a loaded run must not fail a large-input test.
          testTimeout: 30_000,
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: unitFiles,
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
