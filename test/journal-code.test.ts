/**
 * A checkpoint and the code of the processors it was written by: resuming under other code is
 * refused with E_CHECKPOINT_CODE_CHANGED naming what changed, never merged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { CheckpointError } from '../src/journal/errors.ts';
import { JournalCheckpoint } from '../src/journal/journal-checkpoint.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';

const root = mkdtempSync(join(tmpdir(), 'cortado-journal-code-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let serial = 0;
const folder = () => join(root, `ckpt-${serial++}`);

/** The error `fn` throws. */
function thrown(fn: () => unknown): CheckpointError {
  try {
    fn();
  } catch (error) {
    return error as CheckpointError;
  }
  throw new Error('Expected a throw, got none');
}

/** Writes `n` records and leaves the folder as a killed process would. */
function recorded(path: string, code: Record<string, string> | undefined, n: number, compactRecords = 1000): void {
  const journal = JournalCheckpoint.open({ path, compactRecords }, { key: 'k', size: 100, code });
  for (let i = 0; i < n; i++) journal.record([[i, i + 1]], new Map([[undefined, i]]));
  journal.abandon();
  rmSync(join(path, 'lock'));
}

describe('checkpoint and processor code', () => {
  it.each([
    ['its journal alone (generation 0)', 1000],
    ['a snapshot and a journal', 2],
  ])('refuses a checkpoint in %s written by other code, naming the processor; the same code restores it', async (_what, compactRecords) => {
    const path = folder();
    recorded(path, { 'm.ts#f': 'aaaaaaaaaaaaaaaa', 'm.ts#g': '1111111111111111' }, 5, compactRecords);
    const error = thrown(() => JournalCheckpoint.open({ path }, { key: 'k', size: 100, code: { 'm.ts#f': 'bbbbbbbbbbbbbbbb', 'm.ts#g': '1111111111111111' } }));
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.code).toBe('E_CHECKPOINT_CODE_CHANGED');
    expect(error.message).toContain('m.ts#f had code aaaaaaaaaaaaaaaa, now bbbbbbbbbbbbbbbb');
    expect(error.message).not.toContain('m.ts#g');
    const same = JournalCheckpoint.open({ path }, { key: 'k', size: 100, code: { 'm.ts#f': 'aaaaaaaaaaaaaaaa', 'm.ts#g': '1111111111111111' } });
    expect(same.restored?.completed).toEqual([[0, 5]]);
    await same.close('cancelled');
  });

  it('restores a checkpoint that recorded no code (written before code was kept), and one opened by a computable without code', async () => {
    const path = folder();
    recorded(path, undefined, 3);
    const withCode = JournalCheckpoint.open({ path }, { key: 'k', size: 100, code: { 'm.ts#f': 'aaaaaaaaaaaaaaaa' } });
    expect(withCode.restored?.completed).toEqual([[0, 3]]);
    await withCode.close('cancelled');
    const other = folder();
    recorded(other, { 'm.ts#f': 'aaaaaaaaaaaaaaaa' }, 3);
    const without = JournalCheckpoint.open({ path: other }, { key: 'k', size: 100 });
    expect(without.restored?.completed).toEqual([[0, 3]]);
    await without.close('cancelled');
  });

  it('a closure edited between two runs of the same key: the resume is refused', async () => {
    await using backend = inline();
    const path = folder();
    const xs = [1, 2, 3, 4, 5];
    // Same name and inputs, so the same key `fromFunction(f, 5)`; other source.
    const v1 = function f(x: number): number {
      if (x === 3) throw new Error('three');
      return x;
    };
    const v2 = function f(x: number): number {
      if (x === 3) throw new Error('three');
      return x * 2;
    };
    const first = backend.compute(fromFunction(v1, xs), { checkpoint: path, errorPolicy: { continueOn: [Error] } });
    await first.wait();
    expect(first.status).toBe('incomplete');
    const error = thrown(() => backend.compute(fromFunction(v2, xs), { checkpoint: path }));
    expect(error.code).toBe('E_CHECKPOINT_CODE_CHANGED');
    expect(error.message).toMatch(/function f had code [0-9a-f]{16}, now [0-9a-f]{16}/);
  });

  it('a processor module edited between two runs: the resume is refused naming the module; with its code restored, it resumes', async () => {
    await using backend = inline();
    const dir = mkdtempSync(join(root, 'module-'));
    const file = join(dir, 'proc.mjs');
    const code = `export function f(x) {\n  if (x === 3) throw new Error('three');\n  return x * 10;\n}\n`;
    writeFileSync(file, code);
    const processor = defineProcessor<(x: number) => number>(pathToFileURL(file).href, 'f');
    const xs = [1, 2, 3, 4, 5];
    const path = folder();
    const first = backend.compute(fromFunction(processor, xs), { checkpoint: path, errorPolicy: { continueOn: [Error] } });
    await first.wait();
    expect(first.partial().processed).toBe(4);
    writeFileSync(file, code.replace('x * 10', 'x * 100'));
    const error = thrown(() => backend.compute(fromFunction(processor, xs), { checkpoint: path }));
    expect(error.code).toBe('E_CHECKPOINT_CODE_CHANGED');
    expect(error.message).toContain(`${pathToFileURL(file).href}#f had code`);
    writeFileSync(file, code);
    const again = backend.compute(fromFunction(processor, xs), { checkpoint: path, errorPolicy: { continueOn: [Error] } });
    expect(again.restored).toEqual({ entries: 4, ranges: 2 });
    await again.wait();
    expect(again.partial().result).toBe(10 + 20 + 40 + 50);
  });
});
