import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Node resolves `graphql` (no "exports" field) to its CommonJS build, which is what Pothos and
  // yoga load; Vite would hand our sources the ESM build, and two copies of graphql refuse each
  // other's types. Resolve it as Node does, so tests run the one copy production runs.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-artifacts/junit.xml' },
  },
});
