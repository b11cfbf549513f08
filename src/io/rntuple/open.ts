import { IoError } from '../errors.ts';
import { openRootFile, openRootTree, type RootFile } from '../root/index.ts';
import type { EventSource } from '../source.ts';
import { loadXxh3 } from './checksum.ts';
import { readRNTupleMeta, type RNTupleMeta } from './meta.ts';
import { RNTupleSource } from './source.ts';

const RNTUPLE_CLASS = /^ROOT::(?:Experimental::)?RNTuple$/;
const TREE_CLASSES = new Set(['TTree', 'TNtuple', 'TNtupleD']);

/**
 * Parsed metadata of RNTuples by their key: a dataset reopens a file once per chunk, and the ROOT
 * reader hands out the same key object for as long as it caches the file's directory (which it
 * drops when the file's identity — device, inode, size, mtime — changes), so a changed file is
 * parsed afresh and a forgotten one lets its entry go.
 */
const cache = new WeakMap<object, RNTupleMeta>();

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
  const known = cache.get(key);
  if (known) return known;
  const meta = await readRNTupleMeta(file, await file.objectBytes(key), name);
  cache.set(key, meta);
  return meta;
}

/**
 * Opens the RNTuple `name` (a path such as `Events` or `dir/ntuple`) of the ROOT file at `path`
 * as an {@link RNTupleSource} (an `EventSource`, like a TTree); closing it closes the file.
 * Missing file: `ENOENT`; no RNTuple of that name: `E_IO_TREE_NOT_FOUND`; truncated file:
 * `E_IO_TRUNCATED`; a corrupt anchor or envelope: `E_IO_MALFORMED`, or `E_IO_CHECKSUM` where its
 * XXH3 checksum does not match.
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
 * Opens the object `name` of a ROOT file as an `EventSource`: an {@link RNTupleSource} when it is
 * an RNTuple anchor, the TTree reader's source otherwise (which reports a missing tree). The
 * file is opened once for both the check and the RNTuple.
 */
export async function openRootSource(path: string, name: string, options: RNTupleOpenOptions = {}): Promise<EventSource> {
  options.signal?.throwIfAborted();
  let file: RootFile | undefined;
  try {
    file = await openRootFile(path);
  } catch {
    // Let the TTree reader open it again and report what is wrong with the file.
  }
  if (file) {
    try {
      const key = await file.key(name);
      if (key && isRNTupleClass(key.className)) {
        await loadXxh3();
        const meta = await openMeta(file, name);
        options.signal?.throwIfAborted();
        return new RNTupleSource(file, meta);
      }
    } catch (error) {
      await file.close();
      throw error;
    }
    await file.close();
  }
  return openRootTree(path, name, options.signal ? { signal: options.signal } : undefined);
}
