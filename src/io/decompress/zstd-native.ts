import zlib from 'node:zlib';
import { adoptNativeHandle, NativeContextSlot, writeNative, type NativeContext } from './native-handle.ts';
import { outputChunk } from './output.ts';

type ZstdOptions = { chunkSize?: number };
type ZlibWithZstd = typeof zlib & {
  zstdDecompressSync?: (input: Uint8Array, options?: ZstdOptions) => Buffer;
  createZstdDecompress?: (options?: ZstdOptions) => zlib.Inflate;
};

/** Node's own ZSTD decoder (22.15+), or undefined on older Nodes. */
export const nodeZstdDecompressSync = (zlib as ZlibWithZstd).zstdDecompressSync;
const createZstdDecompress = (zlib as ZlibWithZstd).createZstdDecompress;

/** `cortado zstd` as one ZSTD frame (content size in its header), for the self-test of a new context. */
const PROBE = Uint8Array.from([40, 181, 47, 253, 32, 12, 97, 0, 0, 99, 111, 114, 116, 97, 100, 111, 32, 122, 115, 116, 100]);
const PROBE_TEXT = 'cortado zstd';

/** ZSTD_e_end: the flush directive Node's `zstdDecompressSync` passes (the decoder ignores it). */
const ZSTD_E_END = 2;

/** Outputs this large or larger are left to `zstdDecompressSync` (see `outputChunk`). */
const MAX_REUSED_OUTPUT = 1 << 26;

/**
 * @internal This thread's reused contexts made, frames decoded through one, and of those, frames
 * decoded straight into a caller's buffer. For tests.
 */
export const zstdReuseCounts = { contexts: 0, decodes: 0, intoDestination: 0 };

/** A new ZSTD context, proved on {@link PROBE}; null where this Node has no ZSTD or its internals do not allow reuse. */
function makeContext(): NativeContext | null {
  if (typeof createZstdDecompress !== 'function') return null;
  const context = adoptNativeHandle(() => createZstdDecompress({ chunkSize: 64 }), (c) => {
    const out = new Uint8Array(PROBE_TEXT.length + 1);
    const written = decodeWith(c, PROBE, out, 0, out.length);
    return written === PROBE_TEXT.length && Buffer.from(out.subarray(0, written)).toString('latin1') === PROBE_TEXT;
  });
  if (context) zstdReuseCounts.contexts++;
  return context;
}

/** This thread's reused ZSTD context. */
const contexts = new NativeContextSlot(makeContext);

/**
 * Decodes the frame `src` with `context` into `out[offset, offset + room)` and resets the context.
 * Returns the bytes written, or -1 when the call did not end cleanly inside its room — input left
 * over (concatenated frames, trailing bytes) or the room filled (the frame holds more than
 * expected): the caller falls back to `zstdDecompressSync`, so those cases behave exactly as
 * Node's own decoder makes them. Throws what the native side reported for corrupt data.
 */
function decodeWith(context: NativeContext, src: Uint8Array, out: Uint8Array, offset: number, room: number): number {
  const availOut = writeNative(context, ZSTD_E_END, src, out, offset, room, 'ZSTD');
  return availOut === 0 || context.inputLeft !== 0 ? -1 : room - availOut;
}

/**
 * @internal How this thread decodes ZSTD frames with Node's decoder: `'reused'` (one native
 * context, reset per frame), `'per-call'` (`zstdDecompressSync`, where Node's internals do not
 * allow reuse) or `'none'` (a Node without ZSTD). For tests.
 */
export function zstdNativeMode(): 'reused' | 'per-call' | 'none' {
  if (typeof nodeZstdDecompressSync !== 'function') return 'none';
  return contexts.get() ? 'reused' : 'per-call';
}

/**
 * Decodes one ZSTD frame of `size` bytes with `node:zlib` into a new buffer of `size` + 1 bytes
 * (the spare byte shows a frame longer than `size`), through this thread's one native context,
 * reset after each frame, instead of a `node:zlib` stream and a native context per call (measured
 * ~30 µs a basket). A frame that does not decode cleanly into `size` bytes — concatenated frames,
 * trailing bytes, more output — is decoded again by `zstdDecompressSync`, so its result is what
 * Node's own decoder gives. Throws on corrupt data and drops the context (the next call makes a
 * new one). Requires {@link nodeZstdDecompressSync}.
 *
 * @example
 * ```ts
 * const page = decompressZstdNative(frame, uncompressedSize);
 * ```
 */
export function decompressZstdNative(src: Uint8Array, size: number): Uint8Array {
  const context = size > 0 && size < MAX_REUSED_OUTPUT ? contexts.get() : null;
  if (context) {
    const out = Buffer.allocUnsafe(size + 1);
    let written: number;
    try {
      written = decodeWith(context, src, out, 0, out.length);
    } catch (error) {
      contexts.drop(context);
      throw error;
    }
    if (written === size) {
      zstdReuseCounts.decodes++;
      return out.subarray(0, size);
    }
    // Anything else is unusual (a short or long frame): start the next call from a new context.
    contexts.drop(context);
  }
  return nodeZstdDecompressSync!(src, { chunkSize: outputChunk(size) });
}

/**
 * Decodes one ZSTD frame of `size` bytes with `node:zlib` straight into `dest` at `offset` (the
 * output of a payload of several blocks) through this thread's context, and returns the bytes it
 * holds. When `dest` has no byte to spare after the frame (the last block), or the frame does not
 * end cleanly in `size` bytes, it is decoded by {@link decompressZstdNative} and copied in: the
 * count is then that decode's length (the caller's length check names it). Bytes of `dest` after
 * `offset + size` may be overwritten (they belong to blocks not decoded yet). Throws on corrupt data.
 *
 * @example
 * ```ts
 * const n = decompressZstdNativeInto(frame, out, at, blockSize);
 * ```
 */
export function decompressZstdNativeInto(src: Uint8Array, dest: Uint8Array, offset: number, size: number): number {
  const room = dest.length - offset;
  const context = size > 0 && room > size && size < MAX_REUSED_OUTPUT ? contexts.get() : null;
  if (context) {
    let written: number;
    try {
      written = decodeWith(context, src, dest, offset, room);
    } catch (error) {
      contexts.drop(context);
      throw error;
    }
    if (written === size) {
      zstdReuseCounts.decodes++;
      zstdReuseCounts.intoDestination++;
      return size;
    }
    contexts.drop(context);
  }
  const bytes = decompressZstdNative(src, size);
  if (bytes.length === size) dest.set(bytes, offset);
  return bytes.length;
}
