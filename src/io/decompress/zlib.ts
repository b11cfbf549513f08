import { constants, createInflate, inflateSync } from 'node:zlib';
import { adoptNativeHandle, NativeContextSlot, writeNative, type NativeContext } from './native-handle.ts';
import { outputChunk } from './output.ts';

/** `cortado zlib` deflated (zlib format), for the self-test of a new context. */
const PROBE = Uint8Array.from([120, 156, 75, 206, 47, 42, 73, 76, 201, 87, 168, 202, 201, 76, 2, 0, 31, 91, 4, 190]);
const PROBE_TEXT = 'cortado zlib';

/** Outputs this large or larger are not inflated into one buffer up front (see `outputChunk`). */
const MAX_REUSED_OUTPUT = 1 << 26;

/**
 * @internal This thread's reused contexts made, blocks inflated through one, and of those, blocks
 * inflated straight into a caller's buffer. For tests.
 */
export const zlibReuseCounts = { contexts: 0, inflates: 0, intoDestination: 0 };

/** A new inflate context, proved on {@link PROBE}; null where this Node's zlib internals do not allow reuse. */
function makeInflater(): NativeContext | null {
  const inflater = adoptNativeHandle(() => createInflate({ chunkSize: 64 }), (context) => {
    const probe = inflateWith(context, PROBE, PROBE_TEXT.length);
    return probe !== undefined && Buffer.from(probe).toString('latin1') === PROBE_TEXT;
  });
  if (inflater) zlibReuseCounts.contexts++;
  return inflater;
}

/** This thread's reused inflate context. */
const inflaters = new NativeContextSlot(makeInflater);

/**
 * Inflates `src` with `inflater` into a fresh buffer of `size` + 1 bytes and resets the context.
 * Undefined when the stream holds more than `size` bytes (the caller falls back, so the length
 * check sees the whole stream). Throws what the native side reported for corrupt data.
 */
function inflateWith(inflater: NativeContext, src: Uint8Array, size: number): Uint8Array | undefined {
  const out = Buffer.allocUnsafe(size + 1);
  const availOut = writeNative(inflater, constants.Z_FINISH, src, out, 0, out.length, 'zlib');
  return availOut === 0 ? undefined : out.subarray(0, out.length - availOut);
}

/**
 * @internal How this thread inflates ZL blocks: `'reused'` (one native context, reset per block)
 * or `'per-call'` (`inflateSync`, where Node's internals do not allow reuse). For tests.
 */
export function zlibInflater(): 'reused' | 'per-call' {
  return inflaters.get() ? 'reused' : 'per-call';
}

/**
 * Inflates one zlib stream (ROOT's `ZL` block body) with the native `node:zlib`, which is ~30x
 * faster than jsroot's pure-JS inflate on the same baskets (measured, see DESIGN.md).
 *
 * Given the decompressed `size` (ROOT's block header has it), the output is one buffer of that
 * size plus one byte: Node's sync inflate otherwise writes 16 KiB chunks and concatenates them
 * (a second copy of every basket and an allocation per chunk; measured ~1.3× the inflate time
 * on 1 MB baskets). The spare byte lets zlib stop without asking for another chunk. A stream that
 * inflates to more than `size` still comes back whole (the caller checks the length).
 *
 * With a `size`, the thread keeps one native inflate context and resets it after each block
 * instead of building a `node:zlib` stream (and a native context) per call: ~1 µs instead of
 * 3–4 µs per small basket (measured), most of what a small basket's inflate costs. After corrupt
 * data the context is dropped and the next call makes a new one. Where this Node's zlib internals
 * are not as expected, every call uses `inflateSync` (see {@link zlibInflater}).
 *
 * @example
 * ```ts
 * const bytes = inflateZlib(blockBody, uncompressedSize);
 * ```
 */
export function inflateZlib(src: Uint8Array, size?: number): Uint8Array {
  if (size === undefined || size <= 0) return inflateSync(src);
  // A size over outputChunk's cap (a corrupt header) goes to inflateSync, which grows its output.
  const inflater = size < MAX_REUSED_OUTPUT ? inflaters.get() : null;
  if (inflater) {
    let out: Uint8Array | undefined;
    try {
      out = inflateWith(inflater, src, size);
    } catch (error) {
      inflaters.drop(inflater);
      throw error;
    }
    if (out !== undefined) {
      zlibReuseCounts.inflates++;
      return out;
    }
  }
  return inflateSync(src, { chunkSize: outputChunk(size) });
}

/**
 * Inflates one zlib stream of `size` bytes straight into `dest` at `offset` (a column's memory,
 * see `decompressRootInto`) through this thread's context, and returns the bytes it holds:
 * `size` when it inflated right (then they are in `dest`), else the stream's own length and
 * `dest` is not to be used (the caller raises its length error). Needs no byte to spare after
 * the stream in `dest` for correctness, but without one (or a stream that does not end cleanly
 * in `size` bytes) it inflates with {@link inflateZlib} and copies in. Bytes of `dest` after
 * `offset + size` may be overwritten. Throws on corrupt data and drops the context.
 *
 * @example
 * ```ts
 * if (inflateZlibInto(body, columnBytes, at, usize) !== usize) throw new Error('short block');
 * ```
 */
export function inflateZlibInto(src: Uint8Array, dest: Uint8Array, offset: number, size: number): number {
  const room = dest.length - offset;
  const inflater = size > 0 && room > size && size < MAX_REUSED_OUTPUT ? inflaters.get() : null;
  if (inflater) {
    let availOut: number;
    try {
      availOut = writeNative(inflater, constants.Z_FINISH, src, dest, offset, room, 'zlib');
    } catch (error) {
      inflaters.drop(inflater);
      throw error;
    }
    if (room - availOut === size) {
      zlibReuseCounts.inflates++;
      zlibReuseCounts.intoDestination++;
      return size;
    }
  }
  const bytes = inflateZlib(src, size);
  if (bytes.length === size) dest.set(bytes, offset);
  return bytes.length;
}
