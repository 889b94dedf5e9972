import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * Dependencies point inward, read from the paths: a file's layer is its folder under src/.
 *
 *   domain <- ledger <- commands <- intake, projections, channels, graphql, http <- the composition root
 *
 * The composition root is every file directly in src/ (service.ts, main.ts, config.ts, ...), every
 * `*-cli.ts`, and src/demo: it may import anything, and nothing but another root file imports it.
 * telemetry (logs, metrics) and dashboard (the built assets' place) import nothing of ours.
 */
const SRC = path.join(import.meta.dirname, 'src');
const ROOT_FOLDERS = new Set(['demo']);

const BASE = ['domain', 'ledger', 'commands', 'telemetry'];
/** Adapters reach read-model tables only through named query modules; a type (a table's shape) is not a query. */
const QUERY_MODULES = { layer: 'projections', values: /\.queries\.ts$/, types: true };
const LAYERS = {
  domain: [],
  telemetry: [],
  dashboard: [],
  ledger: ['domain', 'telemetry'],
  commands: ['domain', 'ledger'],
  intake: BASE,
  projections: BASE,
  channels: [...BASE, QUERY_MODULES],
  // GraphQL is served over the HTTP server with its tokens, and streams live staff alerts from their hub.
  graphql: [...BASE, QUERY_MODULES, 'http', { layer: 'channels', types: true }],
  // The webhook routes hand each provider's callback to its verifier in channels/webhooks.
  http: [...BASE, QUERY_MODULES, { layer: 'channels', values: /^channels\/webhooks\// }],
};

/**
 * Imports that break the rule today and are on their way out with issue 18's moves; each entry says
 * where its import goes, and is deleted when it does.
 */
const PENDING = [
];

/** Where a file under src/ sits: its layer (or 'root') and its path under src/, with forward slashes. */
function placeOf(file) {
  const rel = path.relative(SRC, file).split(path.sep).join('/');
  if (rel.startsWith('../') || path.isAbsolute(rel)) return null;
  const [first, ...rest] = rel.split('/');
  const root = rest.length === 0 || ROOT_FOLDERS.has(first) || /-cli\.ts$/.test(rel);
  return { layer: root ? 'root' : first, rel };
}

const layersRule = {
  meta: { type: 'problem', schema: [], messages: { inward: '{{from}} may not import {{to}}: {{why}}' } },
  create(context) {
    const here = placeOf(context.filename);
    if (!here || here.layer === 'root') return {};
    const allowed = LAYERS[here.layer];
    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const there = placeOf(path.resolve(path.dirname(context.filename), source));
      if (!there || there.layer === here.layer) return;
      if (PENDING.some((p) => p.from.test(here.rel) && p.to.test(there.rel))) return;
      const fits = (allowed ?? []).some((a) => (typeof a === 'string'
        ? a === there.layer
        : a.layer === there.layer && ((a.values && a.values.test(there.rel)) || (typeOnly && a.types))));
      if (fits) return;
      const why = there.layer === 'root'
        ? 'only the composition root imports the composition root'
        : allowed === undefined ? `src/${here.layer} is no known layer: add it to LAYERS in eslint.config.js`
          : allowed.length === 0 ? `src/${here.layer} imports nothing of ours` : `src/${here.layer} imports only ${describe(allowed)}`;
      context.report({ node, messageId: 'inward', data: { from: `src/${here.rel}`, to: `src/${there.rel}`, why } });
    };
    const typeOnlyImport = (node) => node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node, node.source.value, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
    };
  },
};

const describe = (allowed) => allowed.map((a) => (typeof a === 'string'
  ? a
  : `${a.layer} (${[a.values && `values from ${a.values}`, a.types && 'types'].filter(Boolean).join(', ')})`)).join(', ');

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
  { files: ['src/**/*.ts'], plugins: { layers: { rules: { inward: layersRule } } }, rules: { 'layers/inward': 'error' } },
  {
    // A composite id joined at a call site is a stream name only that site knows: streamName builds them all.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...['TemplateLiteral', "BinaryExpression[operator='+']"].map((argument) => ({
        selector: `CallExpression[callee.object.name='streamName'] > ${argument}.arguments`,
        message: 'Build composite stream ids in src/domain/stream-name.ts (e.g. streamName.contactPreference(channel, address)), not at the call site.',
      }))],
    },
  },
  { files: ['bench/**/*.ts', 'src/**/*-cli.ts', 'test/**/*.ts'], rules: { 'no-console': 'off' } },
);
