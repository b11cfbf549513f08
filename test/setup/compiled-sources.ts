/**
 * Global setup of the test suite: compiles this repository's TypeScript (src/, examples/, bench/,
 * test/ helpers and fixtures) to JavaScript once per run, with esbuild (tsx's own compiler, with
 * tsx's options), into a temporary folder removed at teardown. The child processes the tests spawn
 * (`cortado` commands, `cortado worker`s, library drivers) load it through compiled-register.mjs
 * instead of each process registering tsx and transforming or re-reading tsx's cache, module by
 * module: that start-up was most of a short CLI run's CPU time. Their code is the same sources,
 * with source maps, so stack traces still name the `.ts` files and lines.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The part of esbuild's API used here; esbuild is tsx's compiler, loaded from where tsx finds it. */
interface TransformOptions {
  target: string;
  loader: 'ts';
  format: 'esm';
  sourcemap: 'inline';
  sourcesContent: boolean;
  minifyWhitespace: boolean;
  keepNames: boolean;
  sourcefile?: string;
}
const { transform } = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild') as {
  transform(source: string, options: TransformOptions): Promise<{ code: string }>;
};

const REPO = resolve(import.meta.dirname, '../..');
const FOLDERS = ['src', 'examples', 'bench', 'test'];
/** tsx's options (target this Node, source maps without sources, names kept), as ES modules. */
const OPTIONS: TransformOptions = {
  target: `node${process.versions.node}`,
  loader: 'ts',
  format: 'esm',
  sourcemap: 'inline',
  sourcesContent: false,
  minifyWhitespace: true,
  keepNames: true,
};

let cache: string | undefined;

export async function setup(): Promise<void> {
  cache = mkdtempSync(join(tmpdir(), 'cortado-compiled-'));
  // Also when vitest ends the process itself without the teardown (e.g. it gives up waiting for a
  // hanging worker and calls process.exit): ~3 MB of compiled sources left in the temporary folder each time.
  const folder = cache;
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  const files: Record<string, { mtimeMs: number; size: number; out: string }> = {};
  const jobs: Array<Promise<void>> = [];
  for (const folder of FOLDERS) {
    for (const entry of readdirSync(join(REPO, folder), { recursive: true, withFileTypes: true })) {
      // Test files themselves run in vitest, never in a child process.
      if (!entry.isFile() || !entry.name.endsWith('.ts') || /\.(?:test|test-d|d)\.ts$/.test(entry.name)) continue;
      const path = join(entry.parentPath, entry.name);
      const out = `${jobs.length}.js`;
      const { mtimeMs, size } = statSync(path);
      jobs.push(
        transform(readFileSync(path, 'utf8'), { ...OPTIONS, sourcefile: path }).then(({ code }) => {
          writeFileSync(join(cache!, out), code);
          files[path] = { mtimeMs, size, out };
        }),
      );
    }
  }
  await Promise.all(jobs);
  writeFileSync(join(cache, 'manifest.json'), JSON.stringify({ options: OPTIONS, files }));
  process.env.CORTADO_COMPILED_SOURCES = cache;
}

export function teardown(): void {
  if (cache !== undefined) rmSync(cache, { recursive: true, force: true });
}
