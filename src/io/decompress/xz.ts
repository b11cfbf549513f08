import xzWasm from 'xz-decompress';
import { loadNative } from './native.ts';

interface NapiLzma {
  xz: { decompressSync(input: Uint8Array): Buffer };
}

const napi = loadNative<NapiLzma>('@napi-rs/lzma');

/** Which xz decoder this process uses: the compiled `@napi-rs/lzma`, else the WebAssembly `xz-decompress`. */
export const xzDecoder: 'native' | 'wasm' = napi ? 'native' : 'wasm';

/**
 * Decompresses one xz stream (ROOT's `XZ` block body, LZMA2 inside) synchronously with the
 * compiled `@napi-rs/lzma`, or returns `undefined` where it is not available (then use
 * {@link decompressXz}).
 */
export function decompressXzSync(src: Uint8Array): Uint8Array | undefined {
  return napi?.xz.decompressSync(src);
}

const { XzReadableStream } = xzWasm;

/**
 * Decompresses one xz stream with `xz-decompress` (xz-embedded in WebAssembly, stream API only,
 * hence async): the portable fallback of {@link decompressXzSync}.
 */
export async function decompressXz(src: Uint8Array): Promise<Uint8Array> {
  const sync = decompressXzSync(src);
  if (sync) return sync;
  const copy = new Uint8Array(src); // a Blob takes its own copy anyway; this keeps types simple
  const stream = new XzReadableStream(new Blob([copy]).stream());
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
