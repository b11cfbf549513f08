import { IoError } from '../errors.ts';
import { openRootFile, type RootFile } from '../root/index.ts';
import { loadXxh3 } from './checksum.ts';
import { readRNTupleMeta, type RNTupleMeta } from './meta.ts';
import { RNTupleSource } from './source.ts';

const RNTUPLE_CLASS = /^ROOT::(?:Experimental::)?RNTuple$/;
const TREE_CLASSES = new Set(['TTree', 'TNtuple', 'TNtupleD']);

/**
 * Parsed metadata of recently opened RNTuples, keyed by file, UUID and the anchor's bytes (which
 * locate and checksum the header and footer): a dataset reopens a file once per chunk.
 */
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

async function openMeta(file: RootFile, name: string): Promise<RNTupleMeta> {
  const key = await file.key(name);
  if (!key || !isRNTupleClass(key.className)) {
    const names = (await file.walk()).filter((k) => isRNTupleClass(k.className) || TREE_CLASSES.has(k.className)).map((k) => k.path);
    throw new IoError('E_IO_TREE_NOT_FOUND', `Expected an RNTuple named ${JSON.stringify(name)} in ${file.path}, got ` +
      `${key ? `a ${key.className}` : 'nothing'}; trees and RNTuples present: ${names.length ? names.join(', ') : 'none'}`,
    { path: file.path, treename: name, available: names });
  }
  const object = await file.objectBytes(key);
  const id = `${file.path}\n${file.uuid}\n${name}\n${Buffer.from(object).toString('base64')}`;
  const known = cache.get(id);
  if (known) {
    cache.delete(id);
    cache.set(id, known);
    return known;
  }
  const meta = await readRNTupleMeta(file, object, name);
  cache.set(id, meta);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return meta;
}

/**
 * Opens the RNTuple `name` (a path such as `Events` or `dir/ntuple`) of the ROOT file at `path`
 * as an {@link RNTupleSource} (an `EventSource`, like a TTree); closing it closes the file.
 * Missing file: `ENOENT`; no RNTuple of that name: `E_IO_TREE_NOT_FOUND`; truncated file:
 * `E_IO_TRUNCATED`; a corrupt anchor, envelope or checksum: `E_IO_MALFORMED`.
 *
 * @example
 * ```ts
 * await using events = await openRNTuple('nano_dy_rntuple.root', 'Events');
 * const { Muon_pt, nMuon } = await events.read(['Muon_pt', 'nMuon'], 0, events.entries);
 * ```
 */
export async function openRNTuple(path: string, name: string, options: RNTupleOpenOptions = {}): Promise<RNTupleSource> {
  options.signal?.throwIfAborted();
  const [file] = await Promise.all([openRootFile(path), loadXxh3()]);
  try {
    const meta = await openMeta(file, name);
    options.signal?.throwIfAborted();
    return new RNTupleSource(file, meta);
  } catch (error) {
    await file.close();
    throw error;
  }
}

/**
 * Whether the object `name` of the ROOT file at `path` is an RNTuple anchor (rather than a
 * TTree): how `openSource` picks the reader. A file that cannot be opened answers false, leaving
 * the error to the TTree reader.
 */
export async function holdsRNTuple(path: string, name: string): Promise<boolean> {
  let file: RootFile | undefined;
  try {
    file = await openRootFile(path);
    const key = await file.key(name);
    return key !== undefined && isRNTupleClass(key.className);
  } catch {
    return false;
  } finally {
    await file?.close();
  }
}
