import type { Column, NumericArray } from '../columns.ts';
import { mapPacked } from '../../protocol/packed.ts';
import { allocRaw, type DecodedChunk, type RawArray } from './chunk-state.ts';
import { toKind } from './decode-chunk.ts';
import type { LeafColumn } from './schema.ts';

/** Which validity mask of a column a read asks for (see {@link maskRequest}). */
export type MaskKind = 'valid' | 'validRows';

/** A request for a validity mask: the column it belongs to and which mask. */
export interface MaskRequest {
  readonly column: string;
  readonly mask: MaskKind;
}

/**
 * Parses a mask column name: `Photon_pt.valid` (per value: 1 = a value, 0 = a null) or
 * `Photon_pt.validRows` (per row of a list column: 0 = the list itself is null). Undefined for
 * any other name. Cortado names Parquet leaves with `_`, so a `.` never clashes with a column.
 *
 * @example
 * ```ts
 * maskRequest('Photon_pt.valid'); // { column: 'Photon_pt', mask: 'valid' }
 * ```
 */
export function maskRequest(name: string): MaskRequest | undefined {
  const cut = name.lastIndexOf('.');
  if (cut <= 0) return undefined;
  const mask = name.slice(cut + 1);
  if (mask !== 'valid' && mask !== 'validRows') return undefined;
  return { column: name.slice(0, cut), mask };
}

// Row offsets of list pieces read from consecutive row groups, joined into one column.
function joinOffsets(pieces: readonly DecodedChunk[]): Int32Array {
  if (pieces.length === 1) return pieces[0]!.offsets!;
  let rows = 0;
  for (const p of pieces) rows += p.offsets!.length - 1;
  const offsets = new Int32Array(rows + 1);
  let row = 0;
  let base = 0;
  for (const p of pieces) {
    const o = p.offsets!;
    for (let i = 1; i < o.length; i++) offsets[row + i] = base + o[i]!;
    row += o.length - 1;
    base += p.values.length;
  }
  return offsets;
}

function concat<T extends RawArray>(parts: readonly T[], alloc: (n: number) => T): T {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = alloc(n);
  let at = 0;
  for (const p of parts) {
    // Same-typed arrays: set() copies bytes, NaN payloads included.
    (out as Float64Array).set(p as Float64Array, at);
    at += p.length;
  }
  return out;
}

/**
 * Joins the pieces of one leaf read from consecutive row groups into a column: a typed array
 * of the leaf's kind, or `{offsets, values}` for a list.
 */
export function joinPieces(pieces: readonly DecodedChunk[], leaf: LeafColumn): Column {
  const values = toKind(concat(mapPacked(pieces, (p) => p.values), (n) => allocRaw(leaf.physical, n)), leaf.kind);
  return leaf.maxRep === 0 ? values : { offsets: joinOffsets(pieces), values };
}

/**
 * Joins a validity mask of one leaf from its pieces (decoded with validity): `valid` is a
 * `Uint8Array` per row for a flat column and `{offsets, values: Uint8Array}` aligned with the
 * column's values for a list; `validRows` is a `Uint8Array` per row.
 */
export function joinMask(pieces: readonly DecodedChunk[], leaf: LeafColumn, mask: MaskKind): Column {
  const alloc = (n: number) => new Uint8Array(n);
  if (mask === 'validRows') return concat(mapPacked(pieces, (p) => p.validRows!), alloc);
  const valid: NumericArray = concat(mapPacked(pieces, (p) => p.valid!), alloc);
  return leaf.maxRep === 0 ? valid : { offsets: joinOffsets(pieces), values: valid };
}
