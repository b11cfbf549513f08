import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isJagged, type Column } from '../src/io/columns.ts';
import { openSource } from '../src/io/open.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);

// Bitwise equality of two columns: same typed-array class, same offsets, same bytes (float32 exact).
function sameColumn(a: Column, b: Column): string | undefined {
  if (isJagged(a) !== isJagged(b)) return 'one is jagged, the other flat';
  if (isJagged(a) && isJagged(b)) {
    if (!sameBytes(a.offsets, b.offsets)) return 'offsets differ';
    return sameColumn(a.values, b.values);
  }
  const x = a as ArrayBufferView;
  const y = b as ArrayBufferView;
  if (x.constructor !== y.constructor) return `${x.constructor.name} vs ${y.constructor.name}`;
  return sameBytes(x, y) ? undefined : 'values differ';
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

describeWithData('ROOT and Parquet forms of the same NanoAOD events', () => {
  for (const sample of ['nano_dy', 'nano_dimuon']) {
    it(`gives identical columns for every branch common to ${sample}.root and ${sample}.parquet`, async () => {
      await using root = await openSource(nano(`${sample}.root`), 'Events');
      await using parquet = await openSource(nano(`${sample}.parquet`), 'Events');
      expect(root.format).toBe('root');
      expect(parquet.format).toBe('parquet');
      expect(parquet.entries).toBe(root.entries);
      const inParquet = new Set(parquet.branches.map((b) => b.name));
      const common = root.branches.map((b) => b.name).filter((name) => inParquet.has(name));
      expect(common.length).toBeGreaterThan(1000);
      const kinds = new Map(parquet.branches.map((b) => [b.name, b]));
      for (const branch of root.branches) {
        const other = kinds.get(branch.name);
        if (other === undefined) continue;
        expect({ kind: other.kind, jagged: other.jagged }, branch.name).toEqual({ kind: branch.kind, jagged: branch.jagged });
      }
      const fromRoot = await root.read(common, 0, root.entries);
      const fromParquet = await parquet.read(common, 0, parquet.entries);
      const differences: string[] = [];
      for (const name of common) {
        const why = sameColumn(fromRoot[name]!, fromParquet[name]!);
        if (why !== undefined) differences.push(`${name}: ${why}`);
      }
      expect(differences).toEqual([]);
    });
  }
});
