import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { IoError } from '../errors.ts';
import type { EventSource } from '../source.ts';
import { metaCache, type FileMeta, type TreeMeta } from './cache.ts';
import { handleSource, type RootByteSource } from './bytes.ts';
import { RootCursor } from './cursor.ts';
import { RootDirectory, type RootKeyInfo } from './directory.ts';
import { RootFileHandle } from './handle.ts';
import { HEADER_READ_SIZE, parseRootHeader, type RootHeader } from './header.ts';
import { readKey, type RootKey } from './keys.ts';
import { asMalformed, inflateKeyObject, parseRecord, readKeyBody, readKeyObject } from './records.ts';
import { parseStreamerInfos, type StreamerInfo } from './streamers.ts';
import type { Hist } from '../../results/hist.ts';
import { UnknownVersion } from './members.ts';
import type { RootObject } from './objects.ts';
import { histFromObject, isHistogramClass, metadataFromObject, parseStored, type RootMetadata } from './stored-objects.ts';
import { layoutLookup } from './tree-record.ts';
import { readTreeMeta } from './metadata.ts';
import { RootTree } from './tree.ts';

const openOptionsSchema = z.object({
  /** A signal that aborts the open. */
  signal: z.instanceof(AbortSignal).optional(),
  /**
   * Reuse parsed metadata of a file opened before (same device, inode, size and mtime).
   * @defaultValue true
   */
  metadataCache: z.boolean().default(true),
  /** Per-operation timeout of the file's reads (`E_IO_TIMEOUT`); see `ByteSourceOptions`. */
  timeoutMs: z.number().positive().optional(),
  /** HTTP(S) files: extra request headers (never logged). */
  headers: z.record(z.string(), z.string()).optional(),
  /** HTTP(S) files: a bearer token (default `CORTADO_HTTP_TOKEN`; never logged). */
  bearerToken: z.string().optional(),
  /** HTTP(S) files: requests in flight per host. */
  maxConnectionsPerHost: z.number().int().positive().optional(),
  /** HTTP(S) files: attempts per request on transient failures. */
  maxAttempts: z.number().int().positive().optional(),
  /** HTTP(S) files: first retry delay, doubled per retry. */
  retryDelayMs: z.number().nonnegative().optional(),
});

/** Options of {@link openRootFile} and {@link openRootTree}. */
export type RootOpenOptions = z.input<typeof openOptionsSchema>;

const DEFAULT_OPEN_OPTIONS: z.output<typeof openOptionsSchema> = { metadataCache: true };

function resolveOpenOptions(options: RootOpenOptions | undefined): z.output<typeof openOptionsSchema> {
  if (options === undefined) return DEFAULT_OPEN_OPTIONS; // the per-chunk reopen path: skip parsing
  const simple = simpleOpenOptions(options);
  if (simple) return simple;
  const parsed = openOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw new InvalidOptionsError(`Expected ROOT open options {signal?, metadataCache?, timeoutMs?, headers?, bearerToken?, maxConnectionsPerHost?, maxAttempts?, retryDelayMs?}, got ${parsed.error.message}`);
  }
  return parsed.data;
}

/**
 * Options that only say `metadataCache` and/or `signal` (what a chunk's open passes), checked by
 * hand: a schema parse per open is a measurable part of a warm reopen of a small file. Anything
 * else: undefined, for the schema.
 */
function simpleOpenOptions(options: RootOpenOptions): z.output<typeof openOptionsSchema> | undefined {
  let metadataCache = true;
  let signal: AbortSignal | undefined;
  for (const key in options) {
    const value = options[key as keyof RootOpenOptions];
    if (value === undefined) continue;
    if (key === 'metadataCache' && typeof value === 'boolean') metadataCache = value;
    else if (key === 'signal' && value instanceof AbortSignal) signal = value;
    else return undefined;
  }
  return signal ? { metadataCache, signal } : { metadataCache };
}

const RNTUPLE = /RNTuple/;

/** Key classes that are trees cortado reads. */
const TREE_CLASSES = new Set(['TTree', 'TNtuple', 'TNtupleD']);

/** A tree of a ROOT file and its entry count. */
export interface RootTreeEntry {
  /** Its path from the top directory (`Events`, `dir/Events`). */
  readonly name: string;
  readonly entries: number;
}

/**
 * An opened ROOT file: lists its trees and opens them for reading. Owns one descriptor, closed by
 * {@link close} (or `await using`). Metadata is parsed only when this file's metadata is not
 * already cached.
 */
export class RootFile implements AsyncDisposable {
  readonly path: string;
  /** The file's UUID from its header, as 32 hex digits. */
  readonly uuid: string;
  readonly #handle: RootFileHandle;
  readonly #source: RootByteSource;
  readonly #meta: FileMeta;
  readonly #useCache: boolean;

  private constructor(handle: RootFileHandle, meta: FileMeta, useCache: boolean) {
    this.path = handle.path;
    this.uuid = meta.header.uuid;
    this.#handle = handle;
    this.#source = handleSource(handle);
    this.#meta = meta;
    this.#useCache = useCache;
  }

  /** @internal Use {@link openRootFile}. */
  static async open(path: string, options?: RootOpenOptions): Promise<RootFile> {
    const { signal, metadataCache, ...bytes } = resolveOpenOptions(options);
    signal?.throwIfAborted();
    const handle = await RootFileHandle.open(path, { ...bytes, ...(signal ? { signal } : {}) });
    try {
      const cached = metadataCache ? metaCache.get(handle.identity) : undefined;
      if (cached) return new RootFile(handle, cached, metadataCache);
      const header = parseRootHeader(await handle.read(0, Math.min(HEADER_READ_SIZE, handle.size), 'the file header'), path);
      if (header.end > handle.size) {
        throw new IoError('E_IO_TRUNCATED', `Expected ${header.end} bytes in ${path} (the header's fEND), got a file of ` +
          `${handle.size} bytes: it is truncated`, { path });
      }
      const top = await RootDirectory.top(handleSource(handle), header);
      signal?.throwIfAborted();
      const meta: FileMeta = { header, top, trees: new Map() };
      if (metadataCache) metaCache.set(handle.identity, meta);
      return new RootFile(handle, meta, metadataCache);
    } catch (error) {
      await handle.close(true);
      throw signal?.aborted ? error : asMalformed(error, path, 'a readable ROOT file');
    }
  }

  /** The file header (version, compression setting, where the streamer info lies, …). */
  get header(): RootHeader {
    return this.#meta.header;
  }

  /** Names of the trees in the top directory (one per name, whatever the cycles). */
  get treeNames(): string[] {
    return [...new Set(this.#meta.top.list().filter((k) => TREE_CLASSES.has(k.className)).map((k) => k.name))];
  }

  /** Paths of the trees in every directory (`Events`, `dir/Events`), newest cycles only. */
  async treePaths(): Promise<string[]> {
    this.#assertOpen();
    return (await this.#meta.top.walk(this.#source)).filter((k) => TREE_CLASSES.has(k.className)).map((k) => k.path);
  }

  /** The trees of the file, in every directory, with their entry counts. */
  async trees(): Promise<RootTreeEntry[]> {
    const out: RootTreeEntry[] = [];
    for (const name of await this.treePaths()) out.push({ name, entries: (await this.#treeMeta(name)).entries });
    return out;
  }

  /**
   * The keys of directory `dir` (`''`, the default, is the top directory; `a/b` a subdirectory),
   * every cycle, in file order. A directory that does not exist throws `E_IO_KEY_NOT_FOUND`.
   *
   * @example
   * ```ts
   * await using file = await openRootFile('subdir.root');
   * (await file.keys('dir')).map((k) => `${k.path};${k.cycle} ${k.className}`); // ['dir/Events;1 TTree']
   * ```
   */
  async keys(dir = ''): Promise<readonly RootKeyInfo[]> {
    this.#assertOpen();
    let d: RootDirectory | undefined = this.#meta.top;
    for (const part of dir.split('/').filter((p) => p !== '')) {
      d = await d.subdirectory(this.#source, part);
      if (!d) {
        throw new IoError('E_IO_KEY_NOT_FOUND', `Expected a directory ${JSON.stringify(dir)} in ${this.path}, got none`,
          { path: this.path });
      }
    }
    return d.list();
  }

  /**
   * Every key of the file, in every directory (newest cycle of each name), with its path.
   *
   * @example
   * ```ts
   * (await file.walk()).filter((k) => k.className === 'TH1D').map((k) => k.path); // ['hists/pileup']
   * ```
   */
  async walk(): Promise<RootKeyInfo[]> {
    this.#assertOpen();
    return this.#meta.top.walk(this.#source);
  }

  /**
   * The key at `path` (`name`, `dir/name`, or `dir/name;cycle`): the highest cycle unless the
   * path names one; undefined when there is none.
   *
   * @example
   * ```ts
   * const anchor = await file.key('ntuple'); // { className: 'ROOT::RNTuple', cycle: 1, key: {...} }
   * ```
   */
  async key(path: string): Promise<RootKeyInfo | undefined> {
    this.#assertOpen();
    return this.#meta.top.find(this.#source, path);
  }

  /**
   * The decompressed bytes of the object at `path` (or of a key from {@link keys}): what ROOT
   * streamed, `fObjlen` bytes. Throws `E_IO_KEY_NOT_FOUND` for a path with no key.
   *
   * @example
   * ```ts
   * const bytes = await file.objectBytes('ntuple'); // an RNTuple anchor, ready to parse
   * ```
   */
  async objectBytes(pathOrKey: string | RootKeyInfo): Promise<Uint8Array> {
    const info = typeof pathOrKey === 'string' ? await this.key(pathOrKey) : pathOrKey;
    if (!info) {
      throw new IoError('E_IO_KEY_NOT_FOUND', `Expected an object at ${JSON.stringify(pathOrKey)} in ${this.path}, got none`,
        { path: this.path });
    }
    this.#assertOpen();
    return readKeyObject(this.#source, info.key);
  }

  /** Reads `length` raw bytes at `position` of the file (an RNTuple page, a basket). */
  async readBytes(position: number, length: number): Promise<Uint8Array> {
    this.#assertOpen();
    return this.#source.read(position, length);
  }

  /** Reads the object at `path` with built-in layouts, or the file's streamer info when they lack its version. */
  async #storedObject(path: string, accept: (className: string) => boolean, wanted: string): Promise<RootObject> {
    const info = await this.key(path);
    if (!info) {
      throw new IoError('E_IO_KEY_NOT_FOUND', `Expected ${wanted} at ${JSON.stringify(path)} in ${this.path}, got nothing there`,
        { path: this.path });
    }
    if (!accept(info.className)) {
      throw new IoError('E_IO_UNSUPPORTED', `Expected ${wanted} at ${JSON.stringify(path)} in ${this.path}, got a ` +
        `${info.className}`, { path: this.path });
    }
    const bytes = await this.objectBytes(info);
    const what = `the ${info.className} ${info.path}`;
    try {
      return parseStored(bytes, info.key.keylen, info.className, layoutLookup(undefined), this.path, what);
    } catch (error) {
      if (!(error instanceof IoError) || !(error.cause instanceof UnknownVersion)) throw error;
      return parseStored(bytes, info.key.keylen, info.className, layoutLookup(await this.streamerInfos()), this.path, what);
    }
  }

  /**
   * The TH1 or TH2 (D, F, I, S, C) at `path` as a {@link Hist}: axes `x` (and `y`) with the
   * ROOT axis binning (regular, or variable edges) and titles, sums of weights and of squared
   * weights per bin, flow bins included. Other classes (TProfile, TH3) throw `E_IO_UNSUPPORTED`.
   *
   * @example
   * ```ts
   * const pileup = await file.histogram('pileup/weights');
   * pileup.values(); // Float64Array of the in-range bin contents
   * ```
   */
  async histogram(path: string): Promise<Hist> {
    const o = await this.#storedObject(path, isHistogramClass, 'a TH1 or TH2 histogram');
    try {
      return histFromObject(o, this.path, `histogram ${path}`);
    } catch (error) {
      throw asMalformed(error, this.path, `a histogram with valid axes at ${path}`);
    }
  }

  /**
   * The metadata object at `path`: a TObjString (its string), a TParameter<T> of a number (its
   * value) or a TNamed (its title). Other classes throw `E_IO_UNSUPPORTED`.
   *
   * @example
   * ```ts
   * (await file.metadata('eventsProcessed')).value; // 1000 (a TParameter<int>)
   * ```
   */
  async metadata(path: string): Promise<RootMetadata> {
    const accept = (c: string): boolean => c === 'TObjString' || c === 'TNamed' || /^TParameter<.+>$/.test(c);
    const o = await this.#storedObject(path, accept, 'a TObjString, TParameter or TNamed');
    const value = metadataFromObject(o, path);
    if (!value) {
      throw new IoError('E_IO_UNSUPPORTED', `Expected a number or string in the ${o._class} at ${path} of ${this.path}, got ` +
        'a parameter of another type', { path: this.path });
    }
    return value;
  }

  /**
   * The class layouts of the file's streamer-info record, keyed `Class@version` (parsed once).
   *
   * @example
   * ```ts
   * (await file.streamerInfos()).get('TTree@20')?.elements.length; // 33
   * ```
   */
  async streamerInfos(): Promise<Map<string, StreamerInfo>> {
    this.#assertOpen();
    const meta = this.#meta;
    if (!meta.streamers) {
      const source = this.#source;
      const { seekInfo, nbytesInfo } = meta.header;
      meta.streamers = (async () => {
        if (seekInfo <= 0 || nbytesInfo <= 0) return new Map<string, StreamerInfo>();
        const keyBytes = await source.read(seekInfo, nbytesInfo);
        const key = parseRecord(source.path, 'the streamer-info key', () => readKey(new RootCursor(keyBytes)));
        const bytes = await readKeyObject(source, key);
        return parseRecord(source.path, 'the streamer-info record', () => parseStreamerInfos(bytes, key.keylen));
      })();
      meta.streamers.catch(() => { meta.streamers = undefined; });
    }
    return meta.streamers;
  }

  /**
   * Opens tree `name`. A name that is no TTree throws `E_IO_TREE_NOT_FOUND` listing the trees
   * present; an RNTuple throws `E_IO_UNSUPPORTED` pointing at `openSource`. The tree reads through this file's
   * descriptor: close the file after its trees.
   */
  async tree(name: string, options?: { signal?: AbortSignal }): Promise<RootTree> {
    return this.#openTree(name, options?.signal, false);
  }

  async #openTree(name: string, signal: AbortSignal | undefined, owning: boolean): Promise<RootTree> {
    signal?.throwIfAborted();
    this.#assertOpen();
    const meta = await this.#treeMeta(name);
    signal?.throwIfAborted();
    let released = false;
    return new RootTree(this.#handle, meta, this.uuid, () => {
      if (released) return;
      released = true;
      return owning ? this.close() : undefined;
    });
  }

  /** @internal Opens a tree that closes this file when it is closed. */
  async ownedTree(name: string, signal?: AbortSignal): Promise<RootTree> {
    return this.#openTree(name, signal, true);
  }

  async #treeMeta(name: string): Promise<TreeMeta> {
    const known = this.#meta.trees.get(name);
    if (known) return known;
    this.#assertOpen();
    const key = await this.#meta.top.find(this.#source, name);
    if (!key || !TREE_CLASSES.has(key.className)) {
      const trees = await this.treePaths();
      if (key && RNTUPLE.test(key.className)) {
        throw new IoError('E_IO_UNSUPPORTED', `Expected ${name} in ${this.path} to be a TTree, got an RNTuple ` +
          `(${key.className}): open it with openSource(${JSON.stringify(this.path)}, ${JSON.stringify(name)}), which reads ` +
          'TTrees and RNTuples alike' + (trees.length ? ` (TTrees here: ${trees.join(', ')})` : ''),
        { path: this.path, treename: name, available: trees });
      }
      const what = key ? `a ${key.className}` : 'nothing';
      throw new IoError('E_IO_TREE_NOT_FOUND', `Expected a TTree named ${JSON.stringify(name)} in ${this.path}, got ` +
        `${what}; trees present: ${trees.length ? trees.join(', ') : 'none'}`,
      { path: this.path, treename: name, available: trees });
    }
    this.#assertOpen();
    const seed = this.#meta.seeds?.get(name);
    const meta = await readTreeMeta({
      path: this.path, name: key.path, className: key.className, keylen: key.key.keylen, streamers: () => this.streamerInfos(),
      ...(seed?.body ? lazyRecord(seed.body, key.key, this.path) : await readRecord(this.#source, key.key)),
    }, seed);
    if (this.#useCache) this.#meta.trees.set(name, meta);
    return meta;
  }

  #assertOpen(): void {
    if (this.#handle.closed) {
      throw new IoError('E_IO_CLOSED', `Expected ${this.path} to be open, got it closed`, { path: this.path });
    }
  }

  /** Closes the descriptor. Trees opened from this file cannot read afterwards. */
  async close(): Promise<void> {
    await this.#handle.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A tree record read and decompressed, with its compressed bytes when a seed can keep them (see `TreeSeed.body`). */
async function readRecord(source: RootByteSource, key: RootKey): Promise<{ bytes: Uint8Array; body?: Uint8Array }> {
  const body = await readKeyBody(source, key);
  const bytes = inflateKeyObject(body, key, source.path);
  return bytes instanceof Uint8Array ? { bytes, body } : { bytes: await bytes };
}

/** A tree record kept compressed by a seed, decompressed when first needed. */
function lazyRecord(body: Uint8Array, key: RootKey, path: string): { bytes: () => Uint8Array; body: Uint8Array } {
  return {
    body,
    bytes: () => {
      const bytes = inflateKeyObject(body, key, path);
      // Kept only when it decompressed synchronously before, as it does again.
      if (!(bytes instanceof Uint8Array)) throw new IoError('E_IO_UNSUPPORTED', `Expected ${path}'s tree record to decompress synchronously again`, { path });
      return bytes;
    },
  };
}

/**
 * Opens a ROOT file to list and open its trees.
 *
 * @example
 * ```ts
 * await using file = await openRootFile('nano_dy.root');
 * console.log(await file.trees()); // [{ name: 'Events', entries: 40 }, { name: 'Runs', entries: 1 }]
 * ```
 */
export async function openRootFile(path: string, options?: RootOpenOptions): Promise<RootFile> {
  return RootFile.open(path, options);
}

/**
 * Opens TTree `treename` of the ROOT file at `path` as an {@link EventSource}; closing it
 * closes the file. Missing file: `ENOENT`; missing tree: `E_IO_TREE_NOT_FOUND`; truncated file:
 * `E_IO_TRUNCATED`; an RNTuple: `E_IO_UNSUPPORTED` pointing at `openSource`, which reads both.
 *
 * @example
 * ```ts
 * await using events = await openRootTree('nano_dy.root', 'Events');
 * const { Muon_pt } = await events.read(['Muon_pt'], 0, events.entries);
 * ```
 */
export async function openRootTree(path: string, treename: string, options?: RootOpenOptions): Promise<EventSource> {
  const file = await RootFile.open(path, options);
  try {
    return await file.ownedTree(treename, options?.signal);
  } catch (error) {
    await file.close();
    throw error;
  }
}
