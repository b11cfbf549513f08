import { IoError } from '../errors.ts';
import { RootFileHandle } from '../root/handle.ts';
import { HEADER_READ_SIZE, parseRootHeader } from '../root/header.ts';
import { topKeys } from './keys.ts';
import { readRNTupleMeta, type RNTupleMeta } from './meta.ts';
import { RNTupleSource } from './source.ts';

const RNTUPLE_CLASS = /^ROOT::(?:Experimental::)?RNTuple$/;

/** Parsed metadata of recently opened RNTuples by file identity and name: a dataset reopens a file per chunk. */
const cache = new Map<string, RNTupleMeta>();
const CACHE_SIZE = 16;

/** Options of {@link openRNTuple}. */
export interface RNTupleOpenOptions {
  /** Aborts opening; the file is closed again. */
  signal?: AbortSignal;
}

/** Whether a key's class name is an RNTuple anchor. */
export function isRNTupleClass(className: string): boolean {
  return RNTUPLE_CLASS.test(className);
}

/**
 * Opens the RNTuple `name` of the ROOT file at `path` as an {@link RNTupleSource} (an
 * `EventSource`, like a TTree); closing it closes the file. Missing file: `ENOENT`; no RNTuple of
 * that name: `E_IO_TREE_NOT_FOUND`; a corrupt anchor, envelope or checksum: `E_IO_MALFORMED`.
 *
 * @example
 * ```ts
 * await using events = await openRNTuple('nano_dy_rntuple.root', 'Events');
 * const { Muon_pt, nMuon } = await events.read(['Muon_pt', 'nMuon'], 0, events.entries);
 * ```
 */
export async function openRNTuple(path: string, name: string, options: RNTupleOpenOptions = {}): Promise<RNTupleSource> {
  options.signal?.throwIfAborted();
  const handle = RootFileHandle.open(path);
  try {
    const header = parseRootHeader(handle.read(0, Math.min(HEADER_READ_SIZE, handle.size), 'the file header'), path);
    if (header.end > handle.size) {
      throw new IoError('E_IO_TRUNCATED', `Expected ${header.end} bytes in ${path} (the header's fEND), got a file of ` +
        `${handle.size} bytes: it is truncated`, { path, treename: name });
    }
    const id = `${handle.identity}\n${name}`;
    let meta = cache.get(id);
    if (!meta) {
      const keys = topKeys(handle).filter((k) => k.name === name).sort((a, b) => b.cycle - a.cycle);
      const key = keys[0];
      if (!key || !isRNTupleClass(key.className)) {
        const names = [...new Set(topKeys(handle).filter((k) => isRNTupleClass(k.className) || k.className === 'TTree').map((k) => k.name))];
        throw new IoError('E_IO_TREE_NOT_FOUND', `Expected an RNTuple named ${JSON.stringify(name)} in ${path}, got ` +
          `${key ? `a ${key.className}` : 'nothing'}; trees and RNTuples present: ${names.length ? names.join(', ') : 'none'}`,
        { path, treename: name, available: names });
      }
      meta = await readRNTupleMeta(handle, { seek: key.seek + key.keylen, nbytes: key.nbytes - key.keylen, objlen: key.objlen }, name);
      cache.set(id, meta);
      if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    options.signal?.throwIfAborted();
    return new RNTupleSource(handle, meta, header.uuid);
  } catch (error) {
    handle.close();
    throw error;
  }
}

/**
 * Whether the object `name` in the top directory of the ROOT file at `path` is an RNTuple anchor
 * (rather than a TTree): how `openSource` picks the reader. A file that cannot be read answers
 * false, leaving the error to the TTree reader.
 */
export function holdsRNTuple(path: string, name: string): boolean {
  let handle: RootFileHandle | undefined;
  try {
    handle = RootFileHandle.open(path);
    const keys = topKeys(handle).filter((k) => k.name === name).sort((a, b) => b.cycle - a.cycle);
    return keys[0] !== undefined && isRNTupleClass(keys[0].className);
  } catch {
    return false;
  } finally {
    handle?.close();
  }
}
