import { decompressRoot, decompressRootInto } from '../decompress/blocks.ts';
import { IoError, type IoErrorCode } from '../errors.ts';
import { adoptBigEndian, copyBigEndian } from './decode.ts';
import type { ByteSource } from './prefetch.ts';
import type { BasketRef, BranchLayout } from './layout.ts';

/** A basket's entries, decompressed. */
export interface BasketData {
  /** The entry data (big-endian values), without the key and the entry-offset array. */
  readonly data: Uint8Array;
  /**
   * Byte offset of each entry, plus the end: `entries + 1` values (jagged branches), counted from
   * `offsetBase` bytes before `data` (see {@link dataOffsets}).
   */
  readonly offsets: Int32Array | undefined;
  /**
   * What to subtract from `offsets` to get offsets into `data`: ROOT stores them counting the
   * basket's key, and they are left so (no pass over every entry) — readers subtract it where
   * they use one. 0 when there are none or they are already relative.
   */
  readonly offsetBase: number;
  /** Decompressed bytes (for throughput figures). */
  readonly size: number;
  /**
   * Whether `data` lies in memory decompressed for this basket alone (not the file's bytes, not
   * an embedded basket, not a cached one): a reader may then convert it in place and hand it out
   * as a column without copying it.
   */
  readonly owned?: boolean;
  /**
   * Whether `offsets` was made for this read alone (converted where it lies in a payload
   * decompressed for it, or copied out of the file's bytes) — not a cached or an embedded
   * basket's: a reader may then turn it into the column's item offsets in place.
   */
  readonly offsetsOwned?: boolean;
  /**
   * Whether `data` is the caller's destination (see {@link readBasket}'s `into`): the basket was
   * decompressed straight into it, its values still big-endian.
   */
  readonly inDestination?: boolean;
}

/**
 * Where {@link readBasket} may decompress a basket: `dest` at byte `offset`, when its data
 * (`fLast - fKeylen`) is `bytes` long and `dest` has room for its whole payload and a byte to spare
 * after it (see `decompressRootInto`). A jagged basket's entry offsets, after its data, then lie
 * in `dest` past `offset + bytes`, where the caller's next basket goes: they are to be used
 * before that basket is read.
 */
export interface BasketDestination {
  readonly dest: Uint8Array;
  readonly offset: number;
  readonly bytes: number;
}

/** The TKey + TBasket header fields of a basket record. */
interface BasketHeader {
  readonly nbytes: number;
  readonly objlen: number;
  readonly keylen: number;
  readonly nevbuf: number;
  readonly last: number;
}

/** Bytes of the TBasket header that ends the key: version(2) fBufferSize(4) fNevBufSize(4) fNevBuf(4) fLast(4) flag(1). */
const TBASKET_HEADER = 19;

function parseHeader(view: DataView): BasketHeader {
  const nbytes = view.getInt32(0);
  const objlen = view.getInt32(6);
  const keylen = view.getUint16(14);
  // The TBasket fields are the last 19 bytes of the key, whatever the strings before them hold.
  const at = keylen - TBASKET_HEADER;
  if (at < 18 || keylen > view.byteLength) return { nbytes, objlen, keylen, nevbuf: -1, last: -1 };
  return { nbytes, objlen, keylen, nevbuf: view.getInt32(at + 10), last: view.getInt32(at + 14) };
}

function basketName(handle: ByteSource, layout: BranchLayout, ref: BasketRef, index: number): string {
  return `basket ${index} of branch ${layout.name} (entries ${ref.start}–${ref.stop}) in ${handle.path}`;
}

/**
 * Reads and decompresses one basket of `layout` from disk (or takes it from the tree record when
 * embedded): the key header gives the sizes, the body is a sequence of compression blocks, and
 * jagged branches carry an entry-offset array after the data (`fLast - fKeylen` onwards).
 * With `into`, a basket whose data is `into.bytes` long, compressed with zlib or ZSTD, is
 * decompressed straight into `into.dest` (no buffer of its own): its `data` is then that range,
 * marked `inDestination`, its values still big-endian.
 */
export async function readBasket(handle: ByteSource, layout: BranchLayout, ref: BasketRef, index: number,
  into?: BasketDestination): Promise<BasketData> {
  if (ref.embedded) {
    return { data: ref.embedded.data, offsets: ref.embedded.offsets, offsetBase: 0, size: ref.embedded.data.length };
  }
  // What the basket is, built only for an error message: a template (or a closure) per basket is
  // a measurable cost on tiny baskets.
  let raw = handle.peek?.(ref.seek, ref.bytes);
  if (raw === undefined) {
    const read = handle.read(ref.seek, ref.bytes, () => basketName(handle, layout, ref, index));
    raw = read instanceof Uint8Array ? read : await read;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const header = parseHeader(view);
  if (header.nbytes !== ref.bytes || header.keylen >= ref.bytes || header.last < header.keylen ||
    header.objlen < header.last - header.keylen) {
    throw new IoError('E_IO_MALFORMED', `Expected a basket key of ${ref.bytes} bytes for ${basketName(handle, layout, ref, index)}, got fNbytes=` +
      `${header.nbytes}, fKeylen=${header.keylen}, fObjlen=${header.objlen}, fLast=${header.last}`, { path: handle.path, branch: layout.name });
  }
  const entries = ref.stop - ref.start;
  if (header.nevbuf !== entries) {
    throw new IoError('E_IO_MALFORMED', `Expected ${entries} entries in ${basketName(handle, layout, ref, index)}, its header says ${header.nevbuf}`,
      { path: handle.path, branch: layout.name });
  }
  let payload: Uint8Array;
  let inDestination = false;
  try {
    if (into && header.last - header.keylen === into.bytes &&
      decompressRootInto(raw.subarray(header.keylen), header.objlen, into.dest, into.offset)) {
      payload = into.dest.subarray(into.offset, into.offset + header.objlen);
      inDestination = true;
    } else {
      const result = decompressRoot(raw.subarray(header.keylen), header.objlen);
      payload = result instanceof Uint8Array ? result : await result;
    }
  } catch (error) {
    if (error instanceof IoError) {
      throw new IoError(error.code as IoErrorCode, `Could not decompress ${basketName(handle, layout, ref, index)}: ${error.message}`,
        { path: handle.path, branch: layout.name }, { cause: error });
    }
    throw error;
  }
  const border = header.last - header.keylen;
  const data = payload.subarray(0, border);
  const owned = !inDestination && payload.buffer !== raw.buffer;
  if (!layout.hasEntryOffsets) return { data, offsets: undefined, offsetBase: 0, size: payload.length, owned, inDestination };
  const count = border + 4 <= payload.length
    ? ((payload[border]! << 24) | (payload[border + 1]! << 16) | (payload[border + 2]! << 8) | payload[border + 3]!)
    : -1;
  if (count < entries || border + 4 + 4 * entries > payload.length) {
    throw new IoError('E_IO_MALFORMED', `Expected an entry-offset array of ${entries} values after the data of ${basketName(handle, layout, ref, index)}, ` +
      `got ${count < 0 ? 'none' : `${count} values`}`, { path: handle.path, branch: layout.name });
  }
  const offsets = (owned || inDestination ? adoptOffsets(payload, border, entries) : undefined) ?? copyOffsets(payload, border, entries);
  // The offsets count the key: so does the end put after them.
  offsets[entries] = border + header.keylen;
  return { data, offsets, offsetBase: header.keylen, size: payload.length, owned, offsetsOwned: true, inDestination };
}

/**
 * The data bytes (`fLast - fKeylen`) of basket `ref` when its key is in memory already (`peek`:
 * nothing read), else undefined — also for an embedded basket or an implausible key.
 *
 * @example
 * ```ts
 * const bytes = peekDataBytes(handle, layout.baskets[k]!); // undefined: read the basket to know
 * ```
 */
export function peekDataBytes(handle: ByteSource, ref: BasketRef): number | undefined {
  if (ref.embedded) return undefined;
  const raw = handle.peek?.(ref.seek, ref.bytes);
  if (raw === undefined || raw.length < 18) return undefined;
  const header = parseHeader(new DataView(raw.buffer, raw.byteOffset, raw.byteLength));
  if (header.nbytes !== ref.bytes || header.keylen >= ref.bytes || header.last < header.keylen) return undefined;
  return header.last - header.keylen;
}

/**
 * The entry offsets of `basket` as offsets into its `data` (a new array when they count a base).
 *
 * @example
 * ```ts
 * const bo = dataOffsets(await readBasket(handle, layout, ref, 0)); // bo[i]..bo[i+1]: entry i's bytes
 * ```
 */
export function dataOffsets(basket: BasketData): Int32Array | undefined {
  const { offsets, offsetBase } = basket;
  if (!offsets || offsetBase === 0) return offsets;
  const out = new Int32Array(offsets.length);
  for (let i = 0; i < out.length; i++) out[i] = offsets[i]! - offsetBase;
  return out;
}

/** The `entries` big-endian entry offsets after the count at `border`, copied to native order (room for one more). */
function copyOffsets(payload: Uint8Array, border: number, entries: number): Int32Array {
  const offsets = new Int32Array(entries + 1);
  copyBigEndian(payload, border + 4, entries, offsets, 0, 4);
  return offsets;
}

/**
 * The entry offsets of a payload decompressed for this read alone, converted where they lie:
 * moved 4 bytes down over their count (one memmove), so that the slot after them holds the
 * end, then swapped to native order — no allocation, no copy into a new array (on a jagged
 * branch these offsets are 4 bytes per entry, a third of a NanoAOD muon basket). `undefined`
 * when that place is not aligned for an `Int32Array`.
 */
function adoptOffsets(payload: Uint8Array, border: number, entries: number): Int32Array | undefined {
  if ((payload.byteOffset + border) % 4 !== 0) return undefined;
  payload.copyWithin(border, border + 4, border + 4 + 4 * entries);
  return adoptBigEndian<Int32Array>(payload, border, entries, Int32Array, 4) &&
    new Int32Array(payload.buffer, payload.byteOffset + border, entries + 1);
}
