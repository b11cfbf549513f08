import { constants, createInflate, inflateSync, type Inflate } from 'node:zlib';
import { outputChunk } from './output.ts';

/**
 * The native zlib context under a `node:zlib` `Inflate`: the object Node's own synchronous
 * `inflateSync` drives (`writeSync` in, `_writeState` out, then `reset`). Not part of Node's
 * documented API, so {@link reusedInflater} checks its shape and proves it on a known stream before
 * trusting it, and every call falls back to `inflateSync` when it is missing.
 */
interface NativeInflate {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number,
    output: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  onerror: ((message: string, errno: number, code?: string) => void) | undefined;
}

/** One thread's reused inflate context. */
interface Inflater {
  readonly stream: Inflate & { _handle?: unknown };
  readonly handle: NativeInflate;
  /** `[avail_out, avail_in]` after each `writeSync`, as the native side reports them. */
  readonly state: Uint32Array;
  /** What the native side reported during the current call (corrupt data), else undefined. */
  failure: Error | undefined;
}

/** `cortado zlib` deflated (zlib format), for the self-test of a new context. */
const PROBE = Uint8Array.from([120, 156, 75, 206, 47, 42, 73, 76, 201, 87, 168, 202, 201, 76, 2, 0, 31, 91, 4, 190]);
const PROBE_TEXT = 'cortado zlib';

/** Outputs this large or larger are not inflated into one buffer up front (see `outputChunk`). */
const MAX_REUSED_OUTPUT = 1 << 26;

/** This thread's context: undefined until first use (or after a failure), null when unusable here. */
let current: Inflater | null | undefined;

/** @internal This thread's reused contexts made, and blocks inflated through one. For tests. */
export const zlibReuseCounts = { contexts: 0, inflates: 0 };

function makeInflater(): Inflater | null {
  let stream: Inflate | undefined;
  try {
    stream = createInflate({ chunkSize: 64 });
    const internals = stream as unknown as { _handle?: NativeInflate | null; _writeState?: unknown };
    const handle = internals._handle;
    const state = internals._writeState;
    if (!handle || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' ||
      !(state instanceof Uint32Array) || state.length < 2) {
      stream.destroy();
      return null;
    }
    const inflater: Inflater = { stream, handle, state, failure: undefined };
    // Node's own handler destroys the stream on the first error; this one records it for the call
    // (the context is dropped afterwards, see inflateZlib) and leaves the stream quiet.
    handle.onerror = (message, errno, code) => {
      inflater.failure = Object.assign(new Error(message), { errno, code });
    };
    // Should Node's own handler still run (a Node that reads it elsewhere), its 'error' event must
    // not crash the process: the call sees the closed context below and throws instead.
    stream.on('error', () => {});
    const probe = inflateWith(inflater, PROBE, PROBE_TEXT.length);
    if (probe === undefined || Buffer.from(probe).toString('latin1') !== PROBE_TEXT) {
      stream.destroy();
      return null;
    }
    zlibReuseCounts.contexts++;
    return inflater;
  } catch {
    stream?.destroy();
    return null;
  }
}

/**
 * Inflates `src` with `inflater` into a fresh buffer of `size` + 1 bytes and resets the context.
 * Undefined when the stream holds more than `size` bytes (the caller falls back, so the length
 * check sees the whole stream). Throws what the native side reported for corrupt data.
 */
function inflateWith(inflater: Inflater, src: Uint8Array, size: number): Uint8Array | undefined {
  const out = Buffer.allocUnsafe(size + 1);
  inflater.failure = undefined;
  inflater.handle.writeSync(constants.Z_FINISH, src, 0, src.length, out, 0, out.length);
  if (inflater.failure) throw inflater.failure;
  if (inflater.stream._handle !== inflater.handle) throw new Error('the zlib context closed on corrupt data');
  const availOut = inflater.state[0]!;
  inflater.handle.reset();
  return availOut === 0 ? undefined : out.subarray(0, out.length - availOut);
}

/** This thread's reused inflate context, made on first use; null where this Node has none to reuse. */
function reusedInflater(): Inflater | null {
  if (current === undefined) current = makeInflater();
  return current;
}

/**
 * @internal How this thread inflates ZL blocks: `'reused'` (one native context, reset per block)
 * or `'per-call'` (`inflateSync`, where Node's internals do not allow reuse). For tests.
 */
export function zlibInflater(): 'reused' | 'per-call' {
  return reusedInflater() ? 'reused' : 'per-call';
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
  const inflater = size < MAX_REUSED_OUTPUT ? reusedInflater() : null;
  if (inflater) {
    let out: Uint8Array | undefined;
    try {
      out = inflateWith(inflater, src, size);
    } catch (error) {
      current = undefined;
      inflater.stream.destroy();
      throw error;
    }
    if (out !== undefined) {
      zlibReuseCounts.inflates++;
      return out;
    }
  }
  return inflateSync(src, { chunkSize: outputChunk(size) });
}
