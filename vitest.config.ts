import { defineConfig } from 'vitest/config';

// `import … from 'cortado'` (the example processor) resolves to this repository's sources.
const SOURCE_CONDITIONS = ['cortado-source', 'module', 'node', 'development|production'];

/**
 * Files that run in a fresh process each (vitest's default isolation): those that mock modules,
 * fake timers or set environment variables, those that register result codecs (a registration
 * outlives the module that made it: a shared process then holds another copy of the class), the
 * loader test, and the long suites of real
 * processes (kill harnesses, cluster, browser), where a fresh process costs nothing that matters.
 * Every other file shares one process with the files before it (`isolate: false`): the sources
 * are loaded once, not once per file (about 0.6 s of CPU a file on 2 cores). A new file that
 * changes process-wide state belongs in this list.
 */
const ISOLATED = [
  'test/xxhash-unsupported.test.ts',
  'test/bytes-open-files.test.ts',
  'test/bytes-http.test.ts',
  'test/skim-cluster.test.ts',
  'test/skim-errors.test.ts',
  'test/typescript-modules.test.ts',
  'test/codec-results.test.ts',
  'test/threads-backend.test.ts',
  'test/threads-old-generation.test.ts',
  'test/dashboard-records.test.ts',
  'test/kill-*.test.ts',
  'test/cluster-*.test.ts',
  'test/dashboard-browser.test.ts',
];

export default defineConfig({
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
  test: {
    // Generous: a timeout only matters when a test hangs. On the shared 2-core machine at load ~15,
    // tests that start real processes with the default (a tsx driver, `cortado worker`s, a CLI run)
    // took 12-20 s of the former 30 s; a full suite on a loaded CI machine must not trip on that.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Compiles the sources once for the child processes the tests spawn (see the file).
    globalSetup: ['test/setup/compiled-sources.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ISOLATED,
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ISOLATED,
          // The type tests (test/*.test-d.ts; source type errors are left to tsc). Not under `npm test`:
          // its `tsc --noEmit` step checks the same files with the same tsconfig and already fails on
          // any type test's error, so this would run tsc a second time (~20 s of CPU). `npx vitest run`
          // and `npm run test:quick` run them here.
          typecheck: { enabled: process.env.npm_lifecycle_event !== 'test', include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json', ignoreSourceErrors: true },
        },
      },
    ],
  },
});
