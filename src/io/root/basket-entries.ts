import { stubPosition } from './lazy-branches.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- jsroot buffers and streamer infos are untyped */

// TStreamerElement types (ROOT's TVirtualStreamerInfo::EReadWrite) that the walk below can skip.
const kBase = 0;
const kOffsetP = 40;
const kObject = 61;
const kAny = 62;
const kTString = 65;
const kTNamed = 67;
/** Bytes of each basic type by its element type (kChar … kLong64 … kFloat16). */
const BASIC_SIZE: Readonly<Record<number, number>> = {
  1: 1, 2: 2, 3: 4, 4: 8, 5: 4, 6: 4, 8: 8, 11: 1, 12: 2, 13: 4, 14: 8, 15: 4, 16: 8, 17: 8, 18: 1,
};

/** What {@link stubBasketStarts} reads of a TBranch without streaming it. */
export interface RawBasketEntries {
  readonly entries: number;
  /** First entry of each non-empty basket on disk, increasing. */
  readonly starts: number[];
}

/**
 * Reads the basket starts of a lazy stub branch (see `makeBranchesLazy`) straight from its
 * skipped bytes, walking the file's `TBranch` streamer info and keeping only `fWriteBasket`,
 * `fEntries`, `fBasketBytes` and `fBasketEntry` (objects such as `fLeaves` and `fBaskets` are
 * jumped over by their byte counts). The starts equal those of the branch's `BranchLayout`.
 * Returns undefined when the branch is not a stub, its layout has baskets embedded in the tree
 * record, or the bytes hold anything the walk does not know: the caller then streams the branch.
 *
 * @example
 * ```ts
 * const raw = stubBasketStarts(tree.fBranches.arr[0]); // { entries: 200, starts: [0] }
 * ```
 */
export function stubBasketStarts(branch: any): RawBasketEntries | undefined {
  const at = stubPosition(branch);
  if (at === undefined) return undefined;
  const buf = at.buffer;
  const info = buf.fFile?.findStreamerInfo?.('TBranch', at.version);
  const elements: any[] | undefined = info?.fElements?.arr;
  if (!elements) return undefined;
  const o = buf.o;
  try {
    buf.o = at.off;
    const ints: Record<string, number> = {};
    const arrays: Record<string, number[]> = {};
    for (const element of elements) {
      const type: number = element.fType;
      const name: string = element.fName;
      if (type === kBase || type === kTNamed || type === kObject || type === kAny) {
        const ver = buf.readVersion();
        if (ver.bytecnt === undefined) return undefined;
        buf.o = ver.off + ver.bytecnt;
      } else if (type === kTString) {
        buf.readTString();
      } else if (BASIC_SIZE[type] !== undefined && !(element.fArrayLength > 0)) {
        const size = BASIC_SIZE[type]!;
        if (type === 3 || type === 6) ints[name] = buf.ntoi4();
        else if (type === 16) ints[name] = buf.ntoi8();
        else buf.o += size;
      } else if (type > kOffsetP && BASIC_SIZE[type - kOffsetP] !== undefined) {
        const n = ints[element.fCountName];
        if (n === undefined || n < 0) return undefined;
        const size = BASIC_SIZE[type - kOffsetP]!;
        if (buf.ntou1() !== 1) {
          arrays[name] = [];
        } else if (name === 'fBasketEntry' && type === kOffsetP + 16) {
          const values = new Array<number>(n);
          for (let i = 0; i < n; i++) values[i] = buf.ntoi8();
          arrays[name] = values;
        } else if (name === 'fBasketBytes' && type === kOffsetP + 3) {
          const values = new Array<number>(n);
          for (let i = 0; i < n; i++) values[i] = buf.ntoi4();
          arrays[name] = values;
        } else {
          buf.o += n * size;
        }
      } else {
        return undefined;
      }
      if (buf.o > buf.length) return undefined;
    }
    return startsOf(ints, arrays);
  } catch {
    return undefined;
  } finally {
    buf.o = o;
  }
}

/** The basket starts as `branchLayout` computes them, or undefined when it would add embedded baskets. */
function startsOf(ints: Record<string, number>, arrays: Record<string, number[]>): RawBasketEntries | undefined {
  const written = ints['fWriteBasket'];
  const entries = ints['fEntries'];
  const basketEntry = arrays['fBasketEntry'];
  const basketBytes = arrays['fBasketBytes'];
  if (written === undefined || entries === undefined || !basketEntry || !basketBytes) return undefined;
  if (written > basketEntry.length || written > basketBytes.length) return undefined;
  const starts: number[] = [];
  let onDisk = 0;
  for (let k = 0; k < written; k++) {
    const start = basketEntry[k]!;
    const stop = k + 1 < written ? basketEntry[k + 1]! : Math.max(basketEntry[k + 1] ?? entries, start);
    if (basketBytes[k]! > 0 && stop > start) {
      starts.push(start);
      onDisk = stop;
    }
  }
  if (onDisk < entries) return undefined; // the rest lies in baskets embedded in the tree record
  return { entries, starts };
}
