import { crc32 } from 'node:zlib';

/** Bytes before each record's payload: its length and its CRC-32, both u32 little-endian. */
export const FRAME_HEADER = 8;

/** Frames `payload` as `[length][crc32][payload]`, the unit of the journal. */
export function encodeFrame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = Buffer.allocUnsafe(FRAME_HEADER + body.length);
  frame.writeUInt32LE(body.length, 0);
  frame.writeUInt32LE(crc32(body), 4);
  body.copy(frame, FRAME_HEADER);
  return frame;
}

/** The records of a journal's bytes, and where the last whole, intact record ends. */
export interface DecodedFrames {
  /** Each record's payload (views into the bytes given). */
  readonly payloads: Buffer[];
  /** Length of the intact prefix: a torn or damaged tail starts here. */
  readonly goodLength: number;
}

/**
 * Reads frames until the bytes end or a frame is torn (its length runs past the end) or damaged
 * (its CRC does not match): a process killed in the middle of an append leaves exactly such a
 * tail, and everything before it is intact.
 */
export function decodeFrames(bytes: Buffer): DecodedFrames {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset + FRAME_HEADER <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    const end = offset + FRAME_HEADER + length;
    if (end > bytes.length) break;
    const body = bytes.subarray(offset + FRAME_HEADER, end);
    if (crc32(body) !== bytes.readUInt32LE(offset + 4)) break;
    payloads.push(body);
    offset = end;
  }
  return { payloads, goodLength: offset };
}
