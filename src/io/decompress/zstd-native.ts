import zlib from 'node:zlib';
import { outputChunk } from './output.ts';

type ZstdOptions = { chunkSize?: number };
type ZlibWithZstd = typeof zlib & {
  zstdDecompressSync?: (input: Uint8Array, options?: ZstdOptions) => Buffer;
  createZstdDecompress?: (options?: ZstdOptions) => zlib.Inflate;
};

/** Node's own ZSTD decoder (22.15+), or undefined on older Nodes. */
export const nodeZstdDecompressSync = (zlib as ZlibWithZstd).zstdDecompressSync;
const createZstdDecompress = (zlib as ZlibWithZstd).createZstdDecompress;

/**
 * The native ZSTD context under a `node:zlib` `ZstdDecompress`: the object Node's own
 * `zstdDecompressSync` drives (`writeSync` in, `_writeState` out). Not part of Node's documented
 * API, so {@link makeContext} checks its shape and proves it on a known frame before trusting it,
 * and every call falls back to `zstdDecompressSync` where it is missing.
 */
interface NativeZstd {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number,
    output: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  onerror: ((message: string, errno: number, code?: string) => void) | undefined;
}

/** One thread's reused ZSTD decompression context. */
interface Context {
  readonly stream: zlib.Inflate & { _handle?: unknown };
  readonly handle: NativeZstd;
  /** `[avail_out, avail_in]` after each `writeSync`, as the native side reports them. */
  readonly state: Uint32Array;
  /** What the native side reported during the current call (corrupt data), else undefined. */
  failure: Error | undefined;
}

/** `cortado zstd` as one ZSTD frame (content size in its header), for the self-test of a new context. */
const PROBE = Uint8Array.from([40, 181, 47, 253, 32, 12, 97, 0, 0, 99, 111, 114, 116, 97, 100, 111, 32, 122, 115, 116, 100]);
const PROBE_TEXT = 'cortado zstd';

/** ZSTD_e_end: the flush directive Node's `zstdDecompressSync` passes (the decoder ignores it). */
const ZSTD_E_END = 2;

/** Outputs this large or larger are left to `zstdDecompressSync` (see `outputChunk`). */
const MAX_REUSED_OUTPUT = 1 << 26;

/** This thread's context: undefined until first use (or after a failure), null when unusable here. */
let current: Context | null | undefined;

/**
 * @internal This thread's reused contexts made, frames decoded through one, and of those, frames
 * decoded straight into a caller's buffer. For tests.
 */
export const zstdReuseCounts = { contexts: 0, decodes: 0, intoDestination: 0 };

function makeContext(): Context | null {
  if (typeof createZstdDecompress !== 'function') return null;
  let stream: zlib.Inflate | undefined;
  try {
    stream = createZstdDecompress({ chunkSize: 64 });
    const internals = stream as unknown as { _handle?: NativeZstd | null; _writeState?: unknown };
    const handle = internals._handle;
    const state = internals._writeState;
    if (!handle || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' ||
      !(state instanceof Uint32Array) || state.length < 2) {
      stream.destroy();
      return null;
    }
    const context: Context = { stream, handle, state, failure: undefined };
    // Node's own handler closes the stream on the first error; this one records it for the call
    // (the context is dropped afterwards, see decompressZstdNative) and leaves the stream quiet.
    handle.onerror = (message, errno, code) => {
      context.failure = Object.assign(new Error(message), { errno, code });
    };
    // Should Node's own handler still run, its 'error' event must not crash the process: the call
    // sees the closed context and throws instead.
    stream.on('error', () => {});
    const out = new Uint8Array(PROBE_TEXT.length + 1);
    const written = decodeWith(context, PROBE, out, 0, out.length);
    if (written !== PROBE_TEXT.length || Buffer.from(out.subarray(0, written)).toString('latin1') !== PROBE_TEXT) {
      stream.destroy();
      return null;
    }
    zstdReuseCounts.contexts++;
    return context;
  } catch {
    stream?.destroy();
    return null;
  }
}

/**
 * Decodes the frame `src` with `context` into `out[offset, offset + room)` and resets the context.
 * Returns the bytes written, or -1 when the call did not end cleanly inside its room — input left
 * over (concatenated frames, trailing bytes) or the room filled (the frame holds more than
 * expected): the caller falls back to `zstdDecompressSync`, so those cases behave exactly as
 * Node's own decoder makes them. Throws what the native side reported for corrupt data.
 */
function decodeWith(context: Context, src: Uint8Array, out: Uint8Array, offset: number, room: number): number {
  context.failure = undefined;
  context.handle.writeSync(ZSTD_E_END, src, 0, src.length, out, offset, room);
  if (context.failure) throw context.failure;
  if (context.stream._handle !== context.handle) throw new Error('the ZSTD context closed on corrupt data');
  const availOut = context.state[0]!;
  const availIn = context.state[1]!;
  context.handle.reset();
  return availOut === 0 || availIn !== 0 ? -1 : room - availOut;
}

/** This thread's reused context, made on first use; null where this Node has none to reuse. */
function reusedContext(): Context | null {
  if (current === undefined) current = makeContext();
  return current;
}

/**
 * @internal How this thread decodes ZSTD frames with Node's decoder: `'reused'` (one native
 * context, reset per frame), `'per-call'` (`zstdDecompressSync`, where Node's internals do not
 * allow reuse) or `'none'` (a Node without ZSTD). For tests.
 */
export function zstdNativeMode(): 'reused' | 'per-call' | 'none' {
  if (typeof nodeZstdDecompressSync !== 'function') return 'none';
  return reusedContext() ? 'reused' : 'per-call';
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
  const context = size > 0 && size < MAX_REUSED_OUTPUT ? reusedContext() : null;
  if (context) {
    const out = Buffer.allocUnsafe(size + 1);
    let written: number;
    try {
      written = decodeWith(context, src, out, 0, out.length);
    } catch (error) {
      drop(context);
      throw error;
    }
    if (written === size) {
      zstdReuseCounts.decodes++;
      return out.subarray(0, size);
    }
    // Anything else is unusual (a short or long frame): start the next call from a new context.
    drop(context);
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
  const context = size > 0 && room > size && size < MAX_REUSED_OUTPUT ? reusedContext() : null;
  if (context) {
    let written: number;
    try {
      written = decodeWith(context, src, dest, offset, room);
    } catch (error) {
      drop(context);
      throw error;
    }
    if (written === size) {
      zstdReuseCounts.decodes++;
      zstdReuseCounts.intoDestination++;
      return size;
    }
    drop(context);
  }
  const bytes = decompressZstdNative(src, size);
  if (bytes.length === size) dest.set(bytes, offset);
  return bytes.length;
}

function drop(context: Context): void {
  if (current === context) current = undefined;
  context.stream.destroy();
}
