import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { moduleCodeDigest, moduleCodeFiles, processorCode } from '../src/protocol/processor-code.ts';

describe('moduleCodeDigest(): the code a worker loads for a processor module', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-digest-'));
    mkdirSync(join(dir, 'lib'));
    mkdirSync(join(dir, 'node_modules/pkg'), { recursive: true });
    // TypeScript style: `./lib/cuts.js` names lib/cuts.ts; lib/cuts.ts imports ./consts (no extension).
    writeFileSync(join(dir, 'proc.ts'), `import { cut } from './lib/cuts.js';\nimport pkg from 'pkg';\nexport const f = (x: number) => cut(x);\n`);
    writeFileSync(join(dir, 'lib/cuts.ts'), `import { LIMIT } from './consts';\nexport const cut = (x: number) => Math.min(x, LIMIT);\n`);
    writeFileSync(join(dir, 'lib/consts.ts'), 'export const LIMIT = 10;\n');
    writeFileSync(join(dir, 'node_modules/pkg/index.js'), 'export default 1;\n');
    writeFileSync(join(dir, 'unrelated.ts'), 'export const y = 1;\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const digest = () => moduleCodeDigest(pathToFileURL(join(dir, 'proc.ts')).href);

  it('is 16 hex digits, the same for a path and its file URL, and for an identical copy elsewhere', () => {
    const d = digest();
    expect(d).toMatch(/^[0-9a-f]{16}$/);
    expect(moduleCodeDigest(join(dir, 'proc.ts'))).toBe(d);
    const copy = mkdtempSync(join(tmpdir(), 'cortado-digest-copy-'));
    try {
      cpSync(dir, copy, { recursive: true });
      expect(moduleCodeDigest(join(copy, 'proc.ts'))).toBe(d);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("does not follow imports into cortado's own sources (versioned by its install, like node_modules)", () => {
    const ownIndex = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const specifier = relative(dir, ownIndex).split('\\').join('/');
    writeFileSync(join(dir, 'proc.ts'), `import { defineProcessor } from '${specifier.startsWith('.') ? specifier : `./${specifier}`}';\nimport { cut } from './lib/cuts.js';\nexport const f = defineProcessor(import.meta.url, (x: number) => cut(x));\n`);
    expect(moduleCodeFiles(join(dir, 'proc.ts'))?.map((file) => file.name)).toEqual(['proc.ts', 'lib/cuts.ts', 'lib/consts.ts']);
    // The benchmark's processor imports cortado's sources relatively: only its own file is digested.
    expect(moduleCodeFiles(fileURLToPath(new URL('../bench/coffea-processor.ts', import.meta.url)))?.map((file) => file.name)).toEqual(['coffea-processor.ts']);
  });

  it('changes when the module, a file it imports, or a file that one imports is edited', () => {
    const seen = new Set([digest()]);
    for (const [file, text] of [
      ['proc.ts', `import { cut } from './lib/cuts.js';\nexport const f = (x: number) => cut(x) + 1;\n`],
      ['lib/cuts.ts', `import { LIMIT } from './consts';\nexport const cut = (x: number) => Math.max(x, LIMIT);\n`],
      ['lib/consts.ts', 'export const LIMIT = 11;\n'],
    ] as const) {
      writeFileSync(join(dir, file), text);
      expect(seen.has(digest()!), `after editing ${file}`).toBe(false);
      seen.add(digest()!);
    }
  });

  it('leaves out packages (node_modules) and files the module does not import', () => {
    const before = digest();
    writeFileSync(join(dir, 'node_modules/pkg/index.js'), 'export default 2;\n');
    writeFileSync(join(dir, 'unrelated.ts'), 'export const y = 2;\n');
    expect(digest()).toBe(before);
  });

  it('is undefined for a module that is not a readable file', () => {
    expect(moduleCodeDigest(join(dir, 'missing.ts'))).toBeUndefined();
    expect(moduleCodeDigest('data:text/javascript,export const f = (x) => x')).toBeUndefined();
  });

  it('processorCode(): a function by its name and source, a reference by its module', () => {
    expect(processorCode((x: number) => x * 2)).not.toBe(processorCode((x: number) => x * 3));
    expect(processorCode((x: number) => x * 2)).toBe(processorCode((x: number) => x * 2));
    expect(processorCode({ kind: 'processor-ref', module: join(dir, 'proc.ts'), exportName: 'f', options: {} })).toBe(digest());
  });
});

/** Runs `fn` synchronously with the working directory at `cwd` (where tsx looks for tsconfig.json), then restores it. */
function inDir<T>(cwd: string, fn: () => T): T {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return fn();
  } finally {
    process.chdir(before);
  }
}

/** Runs `fn` synchronously with `TSX_TSCONFIG_PATH` set to `path`, then restores it. */
function withTsconfigPath<T>(path: string, fn: () => T): T {
  const before = process.env.TSX_TSCONFIG_PATH;
  process.env.TSX_TSCONFIG_PATH = path;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.TSX_TSCONFIG_PATH;
    else process.env.TSX_TSCONFIG_PATH = before;
  }
}

describe('moduleCodeDigest(): files imported through package.json "imports" and tsconfig "paths"', () => {
  let dir: string;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-digest-alias-'));
    write(
      'package.json',
      JSON.stringify({
        type: 'module',
        imports: {
          '#lib/cuts': './lib/cuts.js', // `.js` written for lib/cuts.ts
          '#cfg': { types: './cfg.d.ts', require: './cfg-cjs.cts', import: './cfg.ts', default: './cfg-default.ts' },
          '#helpers/*': './helpers/*.ts',
          '#helpers/special/*': { node: './special/*.ts' }, // the longer pattern wins
          '#dep': './node_modules/dep/index.js', // Node refuses a target into node_modules
          '#pkg': 'pkg', // a package
        },
      }),
    );
    write(
      'proc.ts',
      `import { cut } from '#lib/cuts';\nimport { cfg } from '#cfg';\nimport { fit } from '#helpers/fit';\nimport { x } from '#helpers/special/x';\n` +
        `import dep from '#dep';\nimport pkg from '#pkg';\nexport const f = (v: number) => fit(cut(v) + cfg + x);\n`,
    );
    write('lib/cuts.ts', `import { LIMIT } from './consts';\nexport const cut = (x: number) => Math.min(x, LIMIT);\n`);
    write('lib/consts.ts', 'export const LIMIT = 10;\n');
    write('cfg.ts', 'export const cfg = 1;\n');
    write('cfg-cjs.cts', 'exports.cfg = 2;\n');
    write('cfg-default.ts', 'export const cfg = 3;\n');
    write('cfg.d.ts', 'export declare const cfg: number;\n');
    write('helpers/fit.ts', 'export const fit = (x: number) => x / 2;\n');
    write('helpers/special/x.ts', 'export const x = 0;\n');
    write('special/x.ts', 'export const x = 1;\n');
    write('node_modules/dep/index.js', 'export default 1;\n');
    write('node_modules/pkg/index.js', 'export default 1;\n');
    write('unrelated.ts', 'export const y = 1;\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const names = (file = 'proc.ts', cwd = dir) => inDir(cwd, () => moduleCodeFiles(join(dir, file))?.map((code) => code.name));
  const digest = (file = 'proc.ts', cwd = dir) => inDir(cwd, () => moduleCodeDigest(join(dir, file)));

  it('follows "imports" of the nearest package.json: a plain target, the condition an import takes, the longest `*` pattern', () => {
    expect(names()).toEqual(['proc.ts', 'lib/cuts.ts', 'cfg.ts', 'helpers/fit.ts', 'special/x.ts', 'lib/consts.ts']);
    // require() takes the "require" condition; a file in a subfolder finds the same package.json.
    write('sub/legacy.cts', `const { cfg } = require('#cfg');\nmodule.exports = cfg;\n`);
    expect(names('sub/legacy.cts')).toEqual(['legacy.cts', '../cfg-cjs.cts']);
  });

  it('changes when a file imported through "imports" is edited, not when a file it does not map to is', () => {
    const seen = new Set([digest()]);
    for (const file of ['lib/cuts.ts', 'lib/consts.ts', 'cfg.ts', 'helpers/fit.ts', 'special/x.ts']) {
      appendFileSync(join(dir, file), '// edited\n');
      expect(seen.has(digest()!), `after editing ${file}`).toBe(false);
      seen.add(digest()!);
    }
    const before = digest();
    for (const file of ['cfg-cjs.cts', 'cfg-default.ts', 'cfg.d.ts', 'helpers/special/x.ts', 'node_modules/dep/index.js', 'node_modules/pkg/index.js', 'unrelated.ts']) write(file, 'export const edited = 1;\n');
    expect(digest()).toBe(before);
  });

  it('leaves a "#" specifier out when the package.json is not JSON, has no "imports", or maps it nowhere (no throw)', () => {
    write('proc.ts', `import { cut } from '#lib/cuts';\nimport { none } from '#none';\n`);
    expect(names()).toEqual(['proc.ts', 'lib/cuts.ts', 'lib/consts.ts']);
    write('package.json', '{ "imports": { "#lib/cuts": ');
    expect(names()).toEqual(['proc.ts']);
    write('package.json', '{ "type": "module" }');
    expect(names()).toEqual(['proc.ts']);
    rmSync(join(dir, 'package.json'));
    expect(digest()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('follows tsconfig "paths" of the tsconfig.json tsx reads (above the working directory): exact keys, `*` patterns, the first target that exists', () => {
    write(
      'tsconfig.json',
      `{\n  // comments and trailing commas, as tsconfig files are written\n  "compilerOptions": {\n    "strict": true,\n` +
        `    "paths": { "@analysis/*": ["./generated/*", "./src/*"], "@consts": ["./lib/consts.ts"], "@vendor/*": ["./node_modules/pkg/*"], /* "@off/*": ["./off/*"] */ },\n  },\n}\n`,
    );
    write('src/select.ts', `import { LIMIT } from '@consts';\nexport const select = (x: number) => x < LIMIT;\n`);
    write('src/unused.ts', 'export const u = 1;\n');
    write('proc.ts', `import { select } from '@analysis/select.js';\nimport v from '@vendor/index.js';\nimport { readFileSync } from 'node:fs';\nimport pkg from 'pkg';\nexport const f = (x: number) => select(x);\n`);
    mkdirSync(join(dir, 'deeper'));
    const expected = ['proc.ts', 'src/select.ts', 'lib/consts.ts'];
    expect(names()).toEqual(expected);
    expect(names('proc.ts', join(dir, 'deeper'))).toEqual(expected); // tsx finds tsconfig.json above the working directory
    const seen = new Set([digest()]);
    for (const file of ['src/select.ts', 'lib/consts.ts']) {
      appendFileSync(join(dir, file), '// edited\n');
      expect(seen.has(digest()!), `after editing ${file}`).toBe(false);
      seen.add(digest()!);
    }
    const before = digest();
    for (const file of ['src/unused.ts', 'node_modules/pkg/index.js', 'unrelated.ts']) write(file, 'export const edited = 1;\n');
    expect(digest()).toBe(before);
    // The first target that resolves is the one tsx loads.
    write('generated/select.ts', 'export const select = () => true;\n');
    expect(names()).toEqual(['proc.ts', 'generated/select.ts']);
  });

  it('follows "paths" a tsconfig inherits by `extends`, relative to the config that sets them, and `baseUrl` for any bare specifier', () => {
    write('config/base.json', JSON.stringify({ compilerOptions: { paths: { '@lib/*': ['../lib/*'] } } }));
    write('tsconfig.json', JSON.stringify({ extends: './config/base', compilerOptions: { strict: true } }));
    write('proc.ts', `import { cut } from '@lib/cuts.ts';\nimport { fit } from 'helpers/fit';\n`);
    expect(names()).toEqual(['proc.ts', 'lib/cuts.ts', 'lib/consts.ts']);
    // With a baseUrl, `@lib/*` is relative to it (`../lib` is then outside the folder), and a
    // specifier no pattern matches is looked up under it.
    write('tsconfig.json', JSON.stringify({ extends: './config/base', compilerOptions: { baseUrl: '.' } }));
    expect(names()).toEqual(['proc.ts', 'helpers/fit.ts']);
  });

  it('reads the tsconfig TSX_TSCONFIG_PATH names, and leaves aliases out when the tsconfig is not JSON (no throw)', () => {
    write('proc.ts', `import { fit } from '@h/fit';\n`);
    write('other.json', JSON.stringify({ compilerOptions: { paths: { '@h/*': ['./helpers/*'] } } }));
    expect(names()).toEqual(['proc.ts']);
    expect(withTsconfigPath(join(dir, 'other.json'), () => names())).toEqual(['proc.ts', 'helpers/fit.ts']);
    write('other.json', '{ "compilerOptions": { "paths": ');
    expect(withTsconfigPath(join(dir, 'other.json'), () => names())).toEqual(['proc.ts']);
    expect(withTsconfigPath(join(dir, 'missing.json'), () => names())).toEqual(['proc.ts']);
    write('tsconfig.json', '{ "compilerOptions": { "paths": { "@h/*": ["./helpers/*"] } }, }} not json');
    expect(names()).toEqual(['proc.ts']);
  });
});
