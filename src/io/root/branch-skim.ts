import type { RootCursor } from './cursor.ts';
import { readTObject, type RootObject } from './objects.ts';

/** TBranch versions whose streamed members are the built-in layouts' (ROOT 5.23 to 6.32, uproot). */
const TBRANCH_VERSIONS = new Set([11, 12, 13]);
/** TBranchElement versions whose first member is their TBranch base. */
const ELEMENT_VERSIONS = new Set([9, 10]);

/** Thrown inside the skim for a structure it does not expect; the caller then streams the branch. */
class Unexpected extends Error {}

/** Reads the version header of a counted object (one with a byte count). */
function counted(c: RootCursor): { version: number; end: number } {
  const { version, end } = c.version();
  if (end === undefined) throw new Unexpected();
  return { version, end };
}

/** Skips a counted object member by its byte count. */
function skipCounted(c: RootCursor): void {
  c.to(counted(c).end);
}

/** A `[n]`-counted array member (`fBasketEntry[fMaxBaskets]`): a presence byte, then `n` values. */
function countedArray(c: RootCursor, n: number, size: 4 | 8): number[] {
  if (!c.u8() || n <= 0) return [];
  c.need(n * size);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = size === 4 ? c.i32() : c.i64();
  return out;
}

/** Checks that the fBaskets TObjArray holds no object (no basket embedded in the tree record). */
function noEmbeddedBaskets(c: RootCursor): void {
  const { version, end } = counted(c);
  if (version > 2) readTObject(c);
  if (version > 1) c.skipString();
  const n = c.i32();
  c.skip(4); // fLowerBound
  if (n < 0) throw new Unexpected();
  for (let i = 0; i < n; i++) if (c.u32() !== 0) throw new Unexpected();
  if (c.pos !== end) throw new Unexpected();
}

/** Reads the TBranch members at the cursor (after its version header) that `basketRefs` uses. */
function skimTBranch(c: RootCursor, version: number, end: number, className: string): RootObject {
  skipCounted(c); // TNamed
  skipCounted(c); // TAttFill
  c.skip(12); // fCompress, fBasketSize, fEntryOffsetLen
  const fWriteBasket = c.i32();
  c.skip(8); // fEntryNumber
  if (version >= 13) skipCounted(c); // fIOFeatures
  c.skip(4); // fOffset
  const fMaxBaskets = c.i32();
  c.skip(4); // fSplitLevel
  const fEntries = c.i64();
  c.skip(24); // fFirstEntry, fTotBytes, fZipBytes
  skipCounted(c); // fBranches
  skipCounted(c); // fLeaves
  noEmbeddedBaskets(c);
  const fBasketBytes = countedArray(c, fMaxBaskets, 4);
  const fBasketEntry = countedArray(c, fMaxBaskets, 8);
  const fBasketSeek = countedArray(c, fMaxBaskets, 8);
  c.skipString(); // fFileName
  if (c.pos !== end) throw new Unexpected();
  return { _class: className, fEntries, fWriteBasket, fBasketEntry, fBasketBytes, fBasketSeek };
}

/**
 * The members of a branch record that its basket map needs (`fEntries`, `fWriteBasket`,
 * `fBasketBytes`, `fBasketEntry`, `fBasketSeek`), as a full read gives them, read at the cursor
 * (the branch's version header; the cursor is left anywhere) while its title, leaves and
 * sub-branches are skipped by their byte counts: ~10× cheaper than streaming the branch.
 * Undefined for anything but a TBranch (or a TBranchElement's TBranch base) of the versions ROOT
 * and uproot write, with byte counts where expected and no basket embedded in the tree record:
 * the caller then streams the branch, which also reports a malformed record.
 *
 * @example
 * ```ts
 * const branch = skimBranch(new RootCursor(bytes, stub.at), stub._class) ?? record.resolve(stub);
 * basketRefs(branch).map((b) => b.start); // [0, 1000, 2000, …]
 * ```
 */
export function skimBranch(c: RootCursor, className: string): RootObject | undefined {
  try {
    if (className === 'TBranchElement') {
      return ELEMENT_VERSIONS.has(counted(c).version) ? skimBase(c, className) : undefined;
    }
    return className === 'TBranch' ? skimBase(c, className) : undefined;
  } catch {
    return undefined;
  }
}

function skimBase(c: RootCursor, className: string): RootObject {
  const { version, end } = counted(c);
  if (!TBRANCH_VERSIONS.has(version)) throw new Unexpected();
  return skimTBranch(c, version, end, className);
}
