/**
 * The layering rules (docs/design/20261202.layering.md), checked by `npm test`: no import circles,
 * pure cores without I/O, a coordinator that owns its ports, a CLI and a web UI that stay at the edge.
 * Type-only imports count (the parser is swc, which keeps them).
 */
const IO_MODULES =
  '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline)$';
const IO_PACKAGES = '^(pg|better-sqlite3|kysely|nodemailer|undici|pino|hono|@hono/.*|prom-client)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle makes load order matter and every module in it change together.',
      severity: 'error',
      from: { path: '^(src|bench)/' },
      to: { circular: true },
    },
    {
      name: 'pure-core-no-io',
      comment: 'The pure cores compute; the edges and adapters do I/O.',
      severity: 'error',
      from: { path: '^src/(pki|renewal|access|audit|shared)/', pathNot: '[.]test[.]ts$' },
      to: { path: [IO_MODULES, IO_PACKAGES] },
    },
    {
      name: 'pure-core-self-contained',
      comment: 'A pure core imports only itself and src/shared.',
      severity: 'error',
      from: { path: '^src/(pki|renewal|access|audit|shared)/', pathNot: '[.]test[.]ts$' },
      to: { path: '^src/', pathNot: ['^src/$1/', '^src/shared/'] },
    },
    {
      name: 'coordinator-owns-its-ports',
      comment:
        'The coordinator declares ports; src/store, src/api, src/lb, src/adapters and src/notify implement or use them.',
      severity: 'error',
      from: { path: '^src/coordinator/', pathNot: '[.]test[.]ts$' },
      to: { path: '^src/(api|lb|adapters|notify)/' },
    },
    {
      name: 'coordinator-through-its-ports',
      comment:
        'The coordinator reaches persistence through its ports (src/coordinator/ports), which src/store implements; ' +
        'files that still import src/store are listed in .dependency-cruiser-known-violations.json, a list that only shrinks.',
      severity: 'error',
      from: { path: '^src/coordinator/', pathNot: '[.]test[.]ts$' },
      to: { path: '^src/store/' },
    },
    {
      name: 'raw-store-for-tests-only',
      comment:
        'src/store/raw.ts hands out the SQL handle for tests that plant or damage rows on purpose; ' +
        'production code and the benchmarks go through the ports and the store methods.',
      severity: 'error',
      from: { path: '^(src|bench)/', pathNot: '[.]test[.]ts$' },
      to: { path: '^src/store/raw[.]ts$' },
    },
    {
      name: 'cli-at-the-edge',
      comment: 'The CLI reaches the store and the data plane through src/main or the API/control clients.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/(store|adapters)/|^src/lb/', pathNot: '^src/lb/control-client[.]ts$' },
    },
    {
      name: 'web-only-api-types',
      comment: 'The web UI is a bundle: it takes only the API types from the server side.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/', pathNot: ['^src/web/', '^src/api/types[.]ts$'] },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // swc parses TypeScript without JSX here: the web UI's .tsx files are checked by scripts/check-web-imports.mjs.
    exclude: { path: ['^(dist|node_modules)/', '[.]tsx$'] },
    includeOnly: '^(src|bench|node_modules|node:|[a-z@])',
  },
};
