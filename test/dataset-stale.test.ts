/**
 * D10, D11 and the E_FILE_CHANGED default: a file listed twice is refused; a file whose prepared
 * entry count (or uuid) no longer holds is skipped and reported with E_FILE_CHANGED, never read
 * past its end, never silently cut short, and never cancels the run by default.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { executeRun } from '../src/cli/execute.ts';
import { mapSteps } from '../src/io/dataset/map-steps.ts';
import { parseDataGroup, type DataGroupSpec, type FileSpec } from '../src/io/dataset/schema.ts';
import { smallChunksOnly } from './fixtures/exhausting.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-stale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeWithData('stale and duplicated files', () => {
  const path = join(DATA_DIR, 'nanoaod/nano_dy.parquet');
  const group = (file: Partial<FileSpec>, more: FileSpec[] = []): DataGroupSpec => ({ datasets: [{ name: 'DY', files: [{ path, treename: 'Events', ...file }, ...more], metadata: {} }] });

  it('refuses a dataset that lists one file twice (D10): schema, mapSteps and the CLI', async () => {
    expect(() => parseDataGroup(group({ entries: 40 }, [{ path: `${join(DATA_DIR, 'nanoaod')}/./nano_dy.parquet`, treename: 'Events', entries: 40 }]))).toThrow(
      /expected each file once, but ".*nano_dy\.parquet" \(tree Events\) comes twice/,
    );
    expect(() => mapSteps(group({ entries: 40 }, [{ path, treename: 'Events', entries: 40 }]), smallChunksOnly)).toThrow(
      expect.objectContaining({ code: 'E_DUPLICATE_FILE', message: expect.stringContaining('twice: its events would be counted twice') }),
    );
    const fileset = join(dir, 'twice.json');
    writeFileSync(fileset, JSON.stringify({ DY: { files: [path, path] } }));
    await expect(
      executeRun({ processor: 'test/fixtures/exhausting.ts', fileset, out: join(dir, 'twice-out.json'), backend: { backend: 'inline' }, continueOn: [], progress: 'none', program: ['cortado'] }, { out: () => {}, err: () => {} }),
    ).rejects.toThrow(/comes twice/);
  });

  const stale: Array<[string, Partial<FileSpec>, number]> = [
    ['more entries than the file has', { entries: 50 }, 3],
    ['fewer entries than the file has', { entries: 30 }, 2],
    ['another uuid', { entries: 40, uuid: 'not-this-file' }, 2],
  ];
  for (const [what, file, chunks] of stale) {
    it(`skips and reports, with E_FILE_CHANGED, a file prepared with ${what} (D11), under the default policy`, async () => {
      await using backend = inline();
      const task = backend.compute(mapSteps(group(file), smallChunksOnly, { stepSize: 20 }));
      const partial = await task.wait();
      expect(task.status).toBe('incomplete');
      expect(partial.failed).toHaveLength(chunks);
      for (const f of partial.failed) {
        expect(f.error).toMatchObject({ code: 'E_FILE_CHANGED', path });
        expect(f.attempts).toBe(1);
      }
      expect(String((partial.failed[0]!.error as Error).message)).toMatch(/changed since preparation/);
      expect(partial.processed).toBe(0);
    });
  }
});
