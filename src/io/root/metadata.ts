import { openFile, TBuffer, type JsrootFile, type JsrootKey } from 'jsroot/io';
import { decompressRoot } from '../decompress/blocks.ts';
import { IoError } from '../errors.ts';
import type { BranchInfo } from '../source.ts';
import type { TreeMeta } from './cache.ts';
import { clusterBoundaries } from './clusters.ts';
import type { RootFileHandle } from './handle.ts';
import { makeBranchesLazy } from './lazy-branches.ts';
import { LazyLayouts } from './lazy-layouts.ts';
import { HandleFileProxy } from './proxy.ts';

/** Turns a jsroot failure into an `IoError` (jsroot rejects with plain messages and no code). */
export function asIoError(error: unknown, path: string, what: string): IoError {
  if (error instanceof IoError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new IoError('E_IO_MALFORMED', `Expected ${what} in ${path}, got an error: ${message}`, { path }, { cause: error });
}

/**
 * Opens the file's metadata with jsroot through cortado's handle, and makes jsroot decompress
 * object records (the TTree with its branch list) with native code instead of its pure-JS inflate.
 * A TTree's branches are read lazily (see `makeBranchesLazy`).
 */
export async function openJsroot(handle: RootFileHandle): Promise<JsrootFile> {
  let file: JsrootFile;
  try {
    file = await openFile(new HandleFileProxy(handle));
  } catch (error) {
    throw asIoError(error, handle.path, 'a readable ROOT directory');
  }
  file.readObjBuffer = async (key: JsrootKey): Promise<TBuffer> => {
    const body = handle.read(key.fSeekKey + key.fKeylen, key.fNbytes - key.fKeylen, `record ${key.fName}`);
    const result = decompressRoot(body, key.fObjlen);
    const bytes = result instanceof Uint8Array ? result : await result;
    const buffer = new TBuffer(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, file);
    buffer.fTagOffset = key.fKeylen;
    if (key.fClassName === 'TTree') makeBranchesLazy(buffer);
    return buffer;
  };
  return file;
}

/**
 * Reads a TTree record with jsroot and keeps what reading needs (see {@link TreeMeta}); each
 * branch is streamed when its layout is first asked for.
 */
export async function readTreeMeta(file: JsrootFile, name: string, path: string): Promise<TreeMeta> {
  let tree: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a jsroot object
  try {
    tree = await file.readObject(name);
  } catch (error) {
    throw asIoError(error, path, `a readable TTree ${name}`);
  }
  if (tree?._typename !== 'TTree') {
    throw new IoError('E_IO_UNSUPPORTED', `Expected ${name} in ${path} to be a TTree, got a ${tree?._typename}`,
      { path, treename: name });
  }
  const layouts = new LazyLayouts(tree.fBranches?.arr ?? []);
  let clusters: readonly number[] | undefined;
  return {
    name,
    entries: Number(tree.fEntries),
    // without cluster ranges in the header this reads every branch's basket starts: done only when asked for
    get clusters(): readonly number[] {
      clusters ??= clusterBoundaries(tree, layouts);
      return clusters;
    },
    layouts,
    get branches(): readonly BranchInfo[] {
      return layouts.infos();
    },
  };
}
