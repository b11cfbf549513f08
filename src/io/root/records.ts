import { decompressRoot } from '../decompress/blocks.ts';
import { IoError } from '../errors.ts';
import type { RootByteSource } from './bytes.ts';
import { CursorOverrun } from './cursor.ts';
import type { RootKey } from './keys.ts';

/**
 * Reads the object a key points to and decompresses it: `fObjlen` bytes, as ROOT streamed them
 * (tags inside count from the key's start, so parse them with `origin = key.keylen`).
 * Throws `E_IO_TRUNCATED` when the record lies past the end of the file, `E_IO_DECOMPRESS` when
 * its compressed bytes are corrupt, both naming the key and file.
 *
 * @example
 * ```ts
 * const bytes = await readKeyObject(source, key); // the TTree's streamed bytes
 * ```
 */
export async function readKeyObject(source: RootByteSource, key: RootKey): Promise<Uint8Array> {
  return inflateKeyObject(await readKeyBody(source, key), key, source.path);
}

/** The compressed bytes of the object a key points to (see {@link readKeyObject}), for {@link inflateKeyObject}. */
export async function readKeyBody(source: RootByteSource, key: RootKey): Promise<Uint8Array> {
  if (key.nbytes < key.keylen || key.objlen < 0) {
    throw new IoError('E_IO_MALFORMED', `Expected a key with fNbytes ≥ fKeylen and fObjlen ≥ 0 for ${keyWhat(key)} in ` +
      `${source.path}, got fNbytes=${key.nbytes}, fKeylen=${key.keylen}, fObjlen=${key.objlen}`, { path: source.path });
  }
  return source.read(key.seekKey + key.keylen, key.nbytes - key.keylen);
}

/**
 * Decompresses what {@link readKeyBody} read: synchronously but for an `XZ` block on the
 * asynchronous fallback. Corrupt bytes throw `E_IO_DECOMPRESS` naming the key and file.
 */
export function inflateKeyObject(body: Uint8Array, key: RootKey, path: string): Uint8Array | Promise<Uint8Array> {
  const fail = (error: unknown): never => {
    if (error instanceof IoError) {
      throw new IoError('E_IO_DECOMPRESS', `Could not decompress ${keyWhat(key)} in ${path}: ${error.message}`,
        { path }, { cause: error });
    }
    throw error;
  };
  try {
    const result = decompressRoot(body, key.objlen);
    return result instanceof Uint8Array ? result : result.catch(fail);
  } catch (error) {
    return fail(error);
  }
}

function keyWhat(key: RootKey): string {
  return `the ${key.className} record ${key.name};${key.cycle}`;
}

/**
 * Runs `parse`, turning a read past the end of a record (or a structure the parser rejects
 * with a plain error) into `IoError` `E_IO_MALFORMED` naming the file and `what`.
 */
export function parseRecord<T>(path: string, what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw asMalformed(error, path, what);
  }
}

/** The `IoError` for a failure while parsing `what` (an `IoError` passes through unchanged). */
export function asMalformed(error: unknown, path: string, what: string): IoError {
  if (error instanceof IoError) return error;
  if (error instanceof CursorOverrun || error instanceof RangeError) {
    return new IoError('E_IO_MALFORMED', `Expected ${what} in ${path}, got a record that ends early: ${error.message}`,
      { path }, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new IoError('E_IO_MALFORMED', `Expected ${what} in ${path}, got an error: ${message}`, { path }, { cause: error });
}
