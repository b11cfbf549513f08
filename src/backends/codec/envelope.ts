/**
 * The markers an encoded result carries. A class instance with a codec travels as
 * `{ [CODEC_KEY]: tag, data }`; a result that holds at least one such instance travels wrapped as
 * `{ [ENCODED_KEY]: 1, value }` so that the receiving side walks only results that need it. A
 * result without class instances travels as it is (structured clone handles the rest).
 */
export const CODEC_KEY = '@@cortado/codec';
/** Marks a result whose tree holds codec envelopes. */
export const ENCODED_KEY = '@@cortado/encoded';

/** A class instance on its way across threads. */
export interface CodecEnvelope {
  readonly [CODEC_KEY]: string;
  readonly data: unknown;
}

/** A result that holds codec envelopes somewhere in its tree. */
export interface EncodedTree {
  readonly [ENCODED_KEY]: 1;
  readonly value: unknown;
}

/** What {@link encodeResult} returns: structured-cloneable data and the buffers to move with it. */
export interface EncodedResult {
  /** The value as is (plain data) or an {@link EncodedTree}. */
  readonly data: unknown;
  /** `ArrayBuffer`s to move, not copy (each listed once). */
  readonly transfer: ArrayBuffer[];
}

/** Whether `value` is a plain record: `{}` or `Object.create(null)`. */
export function isPlainRecord(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether `value` is a codec envelope. */
export function isEnvelope(value: unknown): value is CodecEnvelope {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[CODEC_KEY] === 'string';
}

/** Whether `data` is an {@link EncodedTree}. */
export function isEncodedTree(data: unknown): data is EncodedTree {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>)[ENCODED_KEY] === 1;
}
