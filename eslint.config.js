import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependencies point inward: domain imports nothing of ours, adapters never import main.
const inward = (group, forbidden) => ({
  files: [`src/${group}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: forbidden.map((name) => ({ group: [`**/${name}/*`, `**/${name}.ts`], message: `src/${group} may not import ${name}.` })),
    }],
  },
});

export default tseslint.config(
  { ignores: ['tmp/**', 'node_modules/**', 'data/**', 'dashboard/dist/**', 'dashboard/.dist-*/**', 'coverage/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  inward('domain', ['ledger', 'intake', 'projections', 'channels', 'graphql', 'main']),
  inward('ledger', ['intake', 'projections', 'channels', 'graphql', 'main']),
  inward('intake', ['projections', 'channels', 'graphql', 'main']),
  inward('projections', ['intake', 'channels', 'graphql', 'main']),
  inward('channels', ['intake', 'graphql', 'main']),
  { files: ['bench/**/*.ts', 'src/**/*-cli.ts', 'test/**/*.ts'], rules: { 'no-console': 'off' } },
);
