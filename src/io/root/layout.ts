import type { BranchInfo, ColumnKind } from '../source.ts';
import { leafKind } from './kinds.ts';

/**
 * A basket kept inside the TTree record itself instead of on its own (ROOT writes the last,
 * unfilled basket of each branch this way when a file is closed without a final flush).
 */
export interface EmbeddedBasket {
  /** The entry data, `fLast - fKeylen` bytes. */
  readonly data: Uint8Array;
  /** Byte offsets of each entry in `data` plus the end (`entries + 1` values), for jagged branches. */
  readonly offsets: Int32Array | undefined;
}

/** Where one basket of a branch lies and which entries it holds. */
export interface BasketRef {
  readonly seek: number;
  readonly bytes: number;
  /** First entry (inclusive) and last entry (exclusive) in the basket. */
  readonly start: number;
  readonly stop: number;
  readonly embedded?: EmbeddedBasket;
}

/** Everything needed to read one branch without jsroot: its decoded type and basket map. */
export interface BranchLayout {
  readonly name: string;
  /** The decoded type, or undefined when the branch cannot be read as numbers. */
  readonly kind: ColumnKind | undefined;
  /** Why the branch cannot be read (e.g. `TLeafC (a string)`), when `kind` is undefined. */
  readonly unsupported?: string;
  readonly jagged: boolean;
  readonly counter?: string;
  /** Values per entry of a flat branch (1, or `n` for a fixed-size array `x[n]`). */
  readonly fixed: number;
  /** Whether baskets carry an entry-offset array after the data (`fEntryOffsetLen > 0`). */
  readonly hasEntryOffsets: boolean;
  readonly baskets: readonly BasketRef[];
  readonly info: BranchInfo | undefined;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- jsroot objects are untyped */

function toOffsets(entryOffset: ArrayLike<number> | undefined, keylen: number, nev: number, border: number):
Int32Array | undefined {
  if (!entryOffset || entryOffset.length < nev) return undefined;
  const out = new Int32Array(nev + 1);
  for (let i = 0; i < nev; i++) out[i] = entryOffset[i]! - keylen;
  out[nev] = border;
  return out;
}

function embeddedBaskets(branch: any, firstEntry: number): BasketRef[] {
  const refs: BasketRef[] = [];
  let start = firstEntry;
  for (const basket of branch.fBaskets?.arr ?? []) {
    if (!basket || !(basket.fNevBuf > 0)) continue;
    const border = basket.fLast - basket.fKeylen;
    // jsroot keeps no buffer for a basket without data bytes (a jagged branch of empty entries)
    const view: DataView | undefined = basket.fBufferRef?.arr;
    if (!view && border > 0) continue;
    const data = view ? new Uint8Array(view.buffer, view.byteOffset, Math.min(border, view.byteLength)) : new Uint8Array(0);
    const nev: number = basket.fNevBuf;
    refs.push({
      seek: 0, bytes: 0, start, stop: start + nev,
      embedded: { data, offsets: toOffsets(basket.fEntryOffset, basket.fKeylen, nev, border) },
    });
    start += nev;
  }
  return refs;
}

/**
 * Describes a jsroot `TBranch` object as a {@link BranchLayout}: leaf type, jaggedness (a leaf
 * count such as `nMuon`), and the basket map (`fBasketSeek`, `fBasketBytes`, `fBasketEntry` for
 * the `fWriteBasket` baskets on disk, then any baskets embedded in the tree record).
 */
export function branchLayout(branch: any): BranchLayout {
  const name: string = branch.fName;
  const entries = Number(branch.fEntries);
  const baskets: BasketRef[] = [];
  const written: number = branch.fWriteBasket ?? 0;
  const basketEntry: ArrayLike<number> = branch.fBasketEntry;
  const basketBytes: ArrayLike<number> = branch.fBasketBytes;
  const basketSeek: ArrayLike<number> = branch.fBasketSeek;
  for (let k = 0; k < written; k++) {
    const start = Number(basketEntry[k]);
    const stop = k + 1 < written ? Number(basketEntry[k + 1]) : Math.max(Number(basketEntry[k + 1] ?? entries), start);
    const bytes = Number(basketBytes[k]);
    if (bytes > 0 && stop > start) baskets.push({ seek: Number(basketSeek[k]), bytes, start, stop });
  }
  const onDisk = baskets.length ? baskets[baskets.length - 1]!.stop : 0;
  if (onDisk < entries) for (const ref of embeddedBaskets(branch, onDisk)) baskets.push(ref);
  const hasEntryOffsets = (branch.fEntryOffsetLen ?? 0) > 0;

  const reason = unsupportedReason(branch);
  if (reason !== undefined) {
    return { name, kind: undefined, unsupported: reason, jagged: false, fixed: 1, hasEntryOffsets, baskets, info: undefined };
  }
  const leaf = branch.fLeaves.arr[0];
  const kind = leafKind(leaf._typename, Boolean(leaf.fIsUnsigned))!;
  const counter: string | undefined = leaf.fLeafCount?.fName;
  const fixed = Math.max(1, Number(leaf.fLen) || 1);
  const jagged = counter !== undefined || fixed > 1;
  if (counter === undefined) {
    return { name, kind, jagged, fixed, hasEntryOffsets, baskets, info: { name, kind, jagged } };
  }
  return { name, kind, jagged, counter, fixed, hasEntryOffsets, baskets, info: { name, kind, jagged, counter } };
}

/** Why a branch cannot be read as numbers, or undefined when it can. */
function unsupportedReason(branch: any): string | undefined {
  if (branch._typename !== 'TBranch') return `a ${branch._typename} (an object or STL branch)`;
  if ((branch.fBranches?.arr?.length ?? 0) > 0) return 'a branch with sub-branches';
  const leaves: any[] = branch.fLeaves?.arr ?? [];
  if (leaves.length !== 1) return `a leaf list of ${leaves.length} leaves (${branch.fTitle})`;
  const leaf = leaves[0];
  if (leafKind(leaf._typename, Boolean(leaf.fIsUnsigned)) !== undefined) return undefined;
  return `a ${leaf._typename === 'TLeafC' ? 'TLeafC (a string)' : leaf._typename} leaf`;
}
