import type { RootCursor } from './cursor.ts';
import { readTObjArray, type ObjectReader, type RootObject } from './objects.ts';

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

/** Reads the TBranch members at the cursor (after its version header) that `basketRefs` uses. */
function skimTBranch(r: ObjectReader, c: RootCursor, version: number, end: number, className: string): RootObject {
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
  // Read as the full read does (an embedded basket's payload is a view of the record, not a copy):
  // its entries and data go into the basket map after those on disk.
  const fBaskets = readTObjArray(r, c);
  const fBasketBytes = countedArray(c, fMaxBaskets, 4);
  const fBasketEntry = countedArray(c, fMaxBaskets, 8);
  const fBasketSeek = countedArray(c, fMaxBaskets, 8);
  c.skipString(); // fFileName
  if (c.pos !== end) throw new Unexpected();
  return { _class: className, fEntries, fWriteBasket, fBasketEntry, fBasketBytes, fBasketSeek, fBaskets };
}

/**
 * The members of a branch record that its basket map needs (`fEntries`, `fWriteBasket`,
 * `fBasketBytes`, `fBasketEntry`, `fBasketSeek` and the baskets embedded in the tree record,
 * `fBaskets`), as a full read gives them, read at the cursor (the branch's version header; the
 * cursor is left anywhere) while its title, leaves and sub-branches are skipped by their byte
 * counts: ~10× cheaper than streaming the branch. `r` is the record's object reader, which reads
 * the embedded baskets as the full read does (each one's payload is skipped by its length).
 * Undefined for anything but a TBranch (or a TBranchElement's TBranch base) of the versions ROOT
 * 5.23+ and uproot write (not the TBranch 8 of older files, laid out by their streamer info),
 * with byte counts where expected: the caller then streams the branch, which also reports a
 * malformed record.
 *
 * @example
 * ```ts
 * const branch = skimBranch(reader, new RootCursor(bytes, stub.at, keylen), stub._class) ?? record.resolve(stub);
 * basketRefs(branch).map((b) => b.start); // [0, 1000, 2000, …]
 * ```
 */
export function skimBranch(r: ObjectReader, c: RootCursor, className: string): RootObject | undefined {
  try {
    if (className === 'TBranchElement') {
      return ELEMENT_VERSIONS.has(counted(c).version) ? skimBase(r, c, className) : undefined;
    }
    return className === 'TBranch' ? skimBase(r, c, className) : undefined;
  } catch {
    return undefined;
  }
}

function skimBase(r: ObjectReader, c: RootCursor, className: string): RootObject {
  const { version, end } = counted(c);
  if (!TBRANCH_VERSIONS.has(version)) throw new Unexpected();
  return skimTBranch(r, c, version, end, className);
}
