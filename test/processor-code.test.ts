import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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
