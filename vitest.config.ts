import { defineConfig } from 'vitest/config';

// `import … from 'cortado'` (the example processor) resolves to this repository's sources.
const SOURCE_CONDITIONS = ['cortado-source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Compiles the sources once for the child processes the tests spawn (see the file).
    globalSetup: ['test/setup/compiled-sources.ts'],
    // Source type errors are reported by the `tsc` step of `npm test`; here only the type tests count.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json', ignoreSourceErrors: true },
  },
});
