import xz from 'xz-decompress';

const { XzReadableStream } = xz;

/**
 * Decompresses one xz stream (ROOT's `XZ` block body, LZMA2 inside) with `xz-decompress`, a
 * WebAssembly build of xz-embedded. It only offers a stream API, hence async; LZMA is rare in
 * HEP files and slow to decode whatever the binding, so the few microseconds of stream set-up
 * do not matter.
 */
export async function decompressXz(src: Uint8Array): Promise<Uint8Array> {
  const copy = new Uint8Array(src); // a Blob takes its own copy anyway; this keeps types simple
  const stream = new XzReadableStream(new Blob([copy]).stream());
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
