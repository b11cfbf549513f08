import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import type { Range } from '../protocol/range.ts';
import type { Hist } from '../results/hist.ts';
import { serializeResult, type JsonValue, type SerializedResult } from '../results/serialize.ts';
import { FRAME_HEADER } from './frame.ts';

/** First byte of a record with binary cells (a JSON record starts with `{`). */
const BINARY = 0x42;
/** Bytes before a binary record's JSON: the marker, 3 zero bytes, the JSON's length (u32 LE). */
const BINARY_HEADER = 8;
/**
 * The tag of a histogram whose cells lie in the record's binary part: `{ $type, axes, cells }`
 * (`axes`: the axes' JSON as a string),
 * `cells` being `[offset, n]` (n sumw, then n sumw2, from float64 `offset`) or, when fewer than
 * two thirds of the cells are nonzero, `[offset, n, k]` (k sumw, k sumw2, k cell indices).
 */
export const HIST_CELLS = 'cortado.journal.HistCells';
/** Float64Array bytes are written as they lie in memory, which is little-endian almost everywhere; elsewhere records stay JSON. */
const LITTLE_ENDIAN = endianness() === 'LE';

/** A journal record as read back: its ranges, its `[group, serialized result]` pairs, and the cells they point into. */
export interface DecodedRecord {
  readonly c: unknown;
  readonly r: unknown;
  /** Groups let go of (`releaseGroups`) by this record, if any. */
  readonly x?: unknown;
  /** The binary cells of the record's histograms (`HIST_CELLS` nodes point into it). */
  readonly cells: Float64Array | undefined;
}

/**
 * Encodes one journal record, framed (`[length][crc32][payload]`). The payload is the record's
 * JSON (`{ c: ranges, r: [[group, serialized result], ...] }`), except that each histogram's
 * cells go after it as raw float64s (see {@link HIST_CELLS}; only its nonzero cells when they are
 * few): `B\0\0\0 [json length u32] [json] [zero pad to 8] [cells]`. The replay then adds them
 * without parsing them, and builds no histogram per record.
 *
 * @example
 * ```ts
 * const frame = encodeRecordFrame([[0, 1000]], new Map([[undefined, hist]]));
 * writeSync(fd, frame);
 * ```
 */
export function encodeRecordFrame(completed: readonly Range[], results: ReadonlyMap<string | undefined, unknown>, released?: readonly string[]): Buffer {
  return encodeRecord(completed, results, released).frame;
}

/** A record as {@link encodeRecord} wrote it: the frame, and what the replay will read from it. */
export interface EncodedRecord {
  /** The framed record, to append to the journal. */
  readonly frame: Buffer;
  /** Its `[group, serialized result]` pairs, as {@link decodeRecord} gives them back (`r`). */
  readonly pairs: Array<[string | null, SerializedResult]>;
  /** Its binary cells (`HIST_CELLS` nodes point into them), as {@link decodeRecord} gives them back. */
  readonly cells: Float64Array | undefined;
}

/**
 * {@link encodeRecordFrame}, also handing back the record's serialized pairs and cells: the
 * journal folds exactly what it wrote, as a replay of it will, with no copy of the live results.
 *
 * @example
 * ```ts
 * const { frame, pairs, cells } = encodeRecord([[0, 1000]], new Map([[undefined, hist]]));
 * writeSync(fd, frame);
 * foldPairs(folds, pairs, cells);
 * ```
 */
export function encodeRecord(completed: readonly Range[], results: ReadonlyMap<string | undefined, unknown>, released?: readonly string[], scratch?: RecordScratch): EncodedRecord {
  const blocks: Float64Array[] = [];
  let floats = 0;
  const hist = LITTLE_ENDIAN
    ? (h: Hist): JsonValue => {
        // cells(), not storage(): an unweighted Hist keeps no sumw2 (it equals sumw) and must not gain one here.
        const { sumw, sumw2: own } = h.cells();
        const sumw2 = own ?? sumw;
        const n = sumw.length;
        let nonzero = 0;
        for (let i = 0; i < n; i++) if (!isPositiveZero(sumw[i] as number) || !isPositiveZero(sumw2[i] as number)) nonzero++;
        let at: number[];
        if (nonzero * 3 < n * 2) {
          // Sparse: the nonzero cells' sumw, then their sumw2, then their indices (as float64s).
          const block = new Float64Array(nonzero * 3);
          for (let i = 0, j = 0; i < n; i++) {
            if (isPositiveZero(sumw[i] as number) && isPositiveZero(sumw2[i] as number)) continue;
            block[j] = sumw[i] as number;
            block[nonzero + j] = sumw2[i] as number;
            block[2 * nonzero + j] = i;
            j++;
          }
          blocks.push(block);
          at = [floats, n, nonzero];
          floats += block.length;
        } else {
          blocks.push(sumw, sumw2);
          at = [floats, n];
          floats += 2 * n;
        }
        // The axes as JSON text: the replay compares them with the accumulator's as strings.
        return { $type: HIST_CELLS, axes: JSON.stringify(h.axes.map((a) => a.toJSON())), cells: at };
      }
    : undefined;
  const r: Array<[string | null, SerializedResult]> = [];
  for (const [group, value] of results) r.push([group ?? null, serializeResult(value, { hist })]);
  const json = JSON.stringify(released === undefined || released.length === 0 ? { c: completed, r } : { c: completed, r, x: released });
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  if (blocks.length === 0) {
    const out = frameBuffer(FRAME_HEADER + jsonBytes, scratch);
    const payload = out.subarray(FRAME_HEADER);
    payload.write(json, 0, 'utf8');
    out.writeUInt32LE(jsonBytes, 0);
    out.writeUInt32LE(crc32(payload), 4);
    return { frame: out, pairs: r, cells: undefined };
  }
  const cellsAt = align8(BINARY_HEADER + jsonBytes);
  const payloadLength = cellsAt + floats * 8;
  const out = frameBuffer(FRAME_HEADER + payloadLength, scratch);
  const payload = out.subarray(FRAME_HEADER);
  payload.writeUInt32LE(BINARY, 0);
  payload.writeUInt32LE(jsonBytes, 4);
  payload.write(json, BINARY_HEADER, 'utf8');
  payload.fill(0, BINARY_HEADER + jsonBytes, cellsAt);
  let at = cellsAt;
  for (const c of blocks) {
    payload.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }
  out.writeUInt32LE(payloadLength, 0);
  out.writeUInt32LE(crc32(payload), 4);
  // The cells as the replay reads them: a view of the frame when aligned (Buffer's pool aligns to 8), else a copy.
  const at8 = out.byteOffset + FRAME_HEADER + cellsAt;
  const cells = at8 % 8 === 0 ? new Float64Array(out.buffer, at8, floats) : new Float64Array(out.buffer.slice(at8, at8 + floats * 8));
  return { frame: out, pairs: r, cells };
}

/**
 * A buffer that {@link encodeRecord} encodes into, grown as needed, for a caller that writes each
 * frame before encoding the next (the journal): no new buffer per record.
 */
export interface RecordScratch {
  buffer: Buffer;
}

/** `length` bytes for a frame: the start of the scratch buffer (grown when short), or a new buffer. */
function frameBuffer(length: number, scratch: RecordScratch | undefined): Buffer {
  if (scratch === undefined) return Buffer.allocUnsafe(length);
  // Its own ArrayBuffer (not the pool's), so the frame's cells lie 8-aligned.
  if (scratch.buffer.length < length) scratch.buffer = Buffer.allocUnsafeSlow(Math.max(length, 2 * scratch.buffer.length, 4096));
  return scratch.buffer.subarray(0, length);
}

/** Where binary records' cells are copied (aligned); grown as needed, reused from record to record. */
let scratch = new Float64Array(1024);

/**
 * Decodes a record's payload (JSON, or JSON and binary cells); throws when it is neither. The
 * cells are a view valid until the next call (replay folds each record before reading the next).
 */
export function decodeRecord(payload: Buffer): DecodedRecord {
  if (payload.length === 0 || payload[0] !== BINARY) {
    const record = JSON.parse(payload.toString('utf8')) as { c?: unknown; r?: unknown; x?: unknown };
    return { c: record?.c, r: record?.r, x: record?.x, cells: undefined };
  }
  if (payload.length < BINARY_HEADER) throw new Error('a binary record shorter than its header');
  const jsonBytes = payload.readUInt32LE(4);
  const cellsAt = align8(BINARY_HEADER + jsonBytes);
  if (cellsAt > payload.length || (payload.length - cellsAt) % 8 !== 0) throw new Error(`a binary record of ${payload.length} bytes with ${jsonBytes} bytes of JSON`);
  const record = JSON.parse(payload.toString('utf8', BINARY_HEADER, BINARY_HEADER + jsonBytes)) as { c?: unknown; r?: unknown; x?: unknown };
  // Copied into an aligned array: records lie at any offset of the journal.
  const count = (payload.length - cellsAt) / 8;
  if (scratch.length < count) scratch = new Float64Array(Math.max(count, scratch.length * 2));
  const cells = scratch.subarray(0, count);
  if (LITTLE_ENDIAN) new Uint8Array(cells.buffer, 0, count * 8).set(payload.subarray(cellsAt));
  else for (let i = 0; i < cells.length; i++) cells[i] = payload.readDoubleLE(cellsAt + i * 8);
  return { c: record?.c, r: record?.r, x: record?.x, cells };
}

/** +0 exactly (a -0 cell is kept, so the sums read back are bit-identical). */
function isPositiveZero(x: number): boolean {
  return x === 0 && 1 / x > 0;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
