import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { resolveAxisOptions } from '../src/results/axis.ts';
import { CategoryAxis } from '../src/results/category.ts';
import { HistError } from '../src/results/errors.ts';

describe('what a threads worker imports', () => {
  it('loads no zod: the entry, threads(), processors and histograms build their schemas only when options need checking', async () => {
    const worker = new Worker(new URL('./fixtures/threads/zod-free-worker.mjs', import.meta.url));
    const report = await new Promise<{ packages: string[]; filled: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(report.filled).toBe(1);
    // The packages a worker needs, and piscina's own; the resolve hook saw every bare import.
    expect(report.packages).toContain('piscina');
    expect(report.packages).not.toContain('zod');
  }, 60_000);

  it('axis options outside the quick check still meet the schema, with its wording', () => {
    expect(resolveAxisOptions({ name: 'x' }, 'regular')).toEqual({ name: 'x', label: 'x' });
    expect(resolveAxisOptions({ name: 'x', label: undefined, extra: 1 }, 'regular')).toEqual({ name: 'x', label: 'x' });
    expect(() => resolveAxisOptions({ name: '' }, 'regular')).toThrow(/an axis needs a non-empty name/);
    expect(() => resolveAxisOptions([], 'regular')).toThrow(HistError);
    expect(() => resolveAxisOptions({ name: 'x', label: 3 }, 'regular')).toThrow(/Expected regular axis options \{ name: string, label\?: string \}, got \{"name":"x","label":3\}/);
    expect(() => resolveAxisOptions(null, 'integer')).toThrow(/Expected integer axis options/);
    expect(() => new CategoryAxis(['a'], { name: 'c', growth: 'yes' as never })).toThrow(/Expected growth of category axis 'c' to be a boolean, got yes/);
    expect(new CategoryAxis(['a'], { name: 'c' }).growth).toBe(false);
  });
});
