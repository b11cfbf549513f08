import type { Transform } from 'node:stream';

/**
 * The native context under a `node:zlib` stream (`Inflate`, `ZstdDecompress`): the object Node's
 * own synchronous calls (`inflateSync`, `zstdDecompressSync`) drive — `writeSync` in, the stream's
 * `_writeState` out, then `reset`. Not part of Node's documented API, so {@link adoptNativeHandle}
 * checks its shape and proves it on a known stream before trusting it.
 */
export interface NativeHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number,
    output: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  onerror: ((message: string, errno: number, code?: string) => void) | undefined;
}

/** One thread's reused native decompression context, adopted from a `node:zlib` stream. */
export interface NativeContext {
  readonly stream: Transform & { _handle?: unknown };
  readonly handle: NativeHandle;
  /** `[avail_out, avail_in]` after each `writeSync`, as the native side reports them. */
  readonly state: Uint32Array;
  /** What the native side reported during the current call (corrupt data), else undefined. */
  failure: Error | undefined;
  /** Input bytes the last {@link writeNative} left unread (`avail_in`). */
  inputLeft: number;
}

/**
 * Takes over the native context of the stream `create` makes, so that a thread can decompress
 * block after block through one native context reset between blocks, instead of a new stream and
 * native context per call (what Node's `inflateSync` / `zstdDecompressSync` build each time; a few
 * µs to tens of µs per small block, measured — most of what a small basket costs). Returns null
 * where this Node's internals are not as expected — no `_handle` with `writeSync` and `reset`, no
 * `_writeState`, `create` throws, or `proves` (a decode of a known stream) fails — and the caller
 * then uses Node's public sync call for every block.
 *
 * The stream is left quiet: the native side's errors are recorded in `failure` for the call that
 * hit them (see {@link writeNative}), and should Node's own handler still run, its 'error' event
 * has a listener, so the process never sees it uncaught.
 *
 * @example
 * ```ts
 * const context = adoptNativeHandle(() => createInflate({ chunkSize: 64 }), (c) => {
 *   const out = Buffer.alloc(PROBE_TEXT.length + 1);
 *   const availOut = writeNative(c, constants.Z_FINISH, PROBE, out, 0, out.length, 'zlib');
 *   return out.subarray(0, out.length - availOut).toString('latin1') === PROBE_TEXT;
 * });
 * ```
 */
export function adoptNativeHandle(create: () => Transform, proves: (context: NativeContext) => boolean): NativeContext | null {
  let stream: Transform | undefined;
  try {
    stream = create();
    const internals = stream as unknown as { _handle?: NativeHandle | null; _writeState?: unknown };
    const handle = internals._handle;
    const state = internals._writeState;
    if (!handle || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' ||
      !(state instanceof Uint32Array) || state.length < 2) {
      stream.destroy();
      return null;
    }
    const context: NativeContext = { stream, handle, state, failure: undefined, inputLeft: 0 };
    // Node's own handler destroys the stream on the first error; this one records it for the call
    // (the caller drops the context afterwards) and leaves the stream quiet.
    handle.onerror = (message, errno, code) => {
      context.failure = Object.assign(new Error(message), { errno, code });
    };
    // Should Node's own handler still run (a Node that reads it elsewhere), its 'error' event must
    // not crash the process: the call sees the closed context (writeNative) and throws instead.
    stream.on('error', () => {});
    if (!proves(context)) {
      stream.destroy();
      return null;
    }
    return context;
  } catch {
    stream?.destroy();
    return null;
  }
}

/**
 * Decompresses all of `src` with `context` into `out[offset, offset + room)` in one native call
 * with `flush`, then resets the context for the next block. Returns the room left unwritten
 * (`avail_out`: 0 when the output filled, so the stream may hold more) and records the input left
 * unread in `context.inputLeft`. Throws what the native side reported for corrupt data, or that
 * the `codec` context closed; the caller then drops the context (see {@link NativeContextSlot}).
 *
 * @example
 * ```ts
 * const availOut = writeNative(context, constants.Z_FINISH, body, out, 0, out.length, 'zlib');
 * ```
 */
export function writeNative(context: NativeContext, flush: number, src: Uint8Array,
  out: Uint8Array, offset: number, room: number, codec: string): number {
  context.failure = undefined;
  context.handle.writeSync(flush, src, 0, src.length, out, offset, room);
  if (context.failure) throw context.failure;
  if (context.stream._handle !== context.handle) throw new Error(`the ${codec} context closed on corrupt data`);
  const availOut = context.state[0]!;
  context.inputLeft = context.state[1]!;
  context.handle.reset();
  return availOut;
}

/**
 * This thread's one reused {@link NativeContext} of a codec: made by `make` on first use (and again
 * after a drop), or null for good where this Node has none to reuse.
 *
 * @example
 * ```ts
 * const slot = new NativeContextSlot(makeInflater);
 * const context = slot.get(); // null: use inflateSync
 * ```
 */
export class NativeContextSlot {
  /** Undefined until first use (or after a drop), null when unusable here. */
  #current: NativeContext | null | undefined;
  readonly #make: () => NativeContext | null;

  constructor(make: () => NativeContext | null) {
    this.#make = make;
  }

  /** This thread's context, made on first use; null where this Node has none to reuse. */
  get(): NativeContext | null {
    if (this.#current === undefined) this.#current = this.#make();
    return this.#current;
  }

  /** Closes `context` (after corrupt data or an unusual block); the next {@link get} makes a new one. */
  drop(context: NativeContext): void {
    if (this.#current === context) this.#current = undefined;
    context.stream.destroy();
  }
}
