import { IoError } from '../errors.ts';
import type { RootByteSource } from './bytes.ts';
import { RootCursor } from './cursor.ts';
import type { RootHeader } from './header.ts';
import { readKey, type RootKey } from './keys.ts';
import { parseRecord, readKeyObject } from './records.ts';

/** Classes whose keys are subdirectories. */
const DIRECTORY_CLASSES = new Set(['TDirectory', 'TDirectoryFile']);

/** A key as listed by {@link RootDirectory.list}: where it is and what it holds. */
export interface RootKeyInfo {
  readonly name: string;
  readonly className: string;
  readonly cycle: number;
  readonly title: string;
  /** `dir/sub/name` from the top directory. */
  readonly path: string;
  /** The TKey itself (sizes and seek), for `readKeyObject`. */
  readonly key: RootKey;
}

/** The TDirectory record fields a reader needs. */
interface DirectoryRecord {
  readonly seekKeys: number;
  readonly nbytesKeys: number;
}

/** Bytes to read for a TDirectory record: at most 2 + 4 + 4 + 4 + 4 + 3 × 8 (+ UUID, unused). */
const DIRECTORY_READ_SIZE = 42;

function readDirectoryRecord(bytes: Uint8Array, path: string, what: string): DirectoryRecord {
  return parseRecord(path, what, () => {
    const c = new RootCursor(bytes);
    const version = c.i16();
    c.skip(8); // fDatimeC, fDatimeM
    const nbytesKeys = c.i32();
    c.skip(4); // fNbytesName
    const large = version > 1000;
    const seek = (): number => (large ? c.i64() : c.u32());
    seek(); // fSeekDir
    seek(); // fSeekParent
    const seekKeys = seek();
    return { seekKeys, nbytesKeys };
  });
}

/**
 * One directory of a ROOT file: its keys (every cycle), with subdirectories opened on demand.
 * Get the top one with {@link RootDirectory.top}; paths such as `dir/Events` resolve through it.
 *
 * @example
 * ```ts
 * const top = await RootDirectory.top(source, header);
 * top.list().map((k) => `${k.path};${k.cycle} ${k.className}`); // ['Events;1 TTree', 'dir;1 TDirectory']
 * const events = await top.find(source, 'dir/Events'); // the newest cycle's key info
 * ```
 */
export class RootDirectory {
  /** This directory's path from the top (`''` for the top directory). */
  readonly path: string;
  readonly #keys: readonly RootKeyInfo[];
  readonly #subdirs = new Map<string, Promise<RootDirectory>>();
  /** The subdirectories of {@link #subdirs} once loaded, for {@link keyCount}. */
  readonly #loaded = new Map<string, RootDirectory>();

  // Directories keep no byte source: a cached directory serves later opens of the same file.
  private constructor(path: string, keys: readonly RootKeyInfo[]) {
    this.path = path;
    this.#keys = keys;
  }

  /** Reads the top directory (at fBEGIN + fNbytesName) and its key list. */
  static async top(source: RootByteSource, header: RootHeader): Promise<RootDirectory> {
    const at = header.begin + header.nbytesName;
    const length = Math.min(DIRECTORY_READ_SIZE, source.size - at);
    if (length < 18) {
      throw new IoError('E_IO_TRUNCATED', `Expected the top directory record at byte ${at} of ${source.path}, got a file ` +
        `of ${source.size} bytes (truncated?)`, { path: source.path });
    }
    const record = readDirectoryRecord(await source.read(at, length), source.path, 'the top directory');
    return RootDirectory.#load(source, '', record);
  }

  static async #load(source: RootByteSource, path: string, record: DirectoryRecord): Promise<RootDirectory> {
    const where = path === '' ? 'the top directory' : `directory ${path}`;
    if (record.seekKeys === 0 || record.nbytesKeys <= 0) return new RootDirectory(path, []);
    const bytes = await source.read(record.seekKeys, record.nbytesKeys);
    const keys = parseRecord(source.path, `the key list of ${where}`, () => {
      const c = new RootCursor(bytes);
      readKey(c); // the key of the key list itself
      const n = c.i32();
      if (n < 0) throw new RangeError(`a negative key count ${n}`);
      const out: RootKeyInfo[] = [];
      for (let i = 0; i < n; i++) {
        const key = readKey(c);
        out.push({ name: key.name, className: key.className, cycle: key.cycle, title: key.title,
          path: path === '' ? key.name : `${path}/${key.name}`, key });
      }
      return out;
    });
    return new RootDirectory(path, keys);
  }

  /** Every key of this directory (all cycles), in file order. */
  list(): readonly RootKeyInfo[] {
    return this.#keys;
  }

  /** Keys held: this directory's and those of the subdirectories loaded so far (what a cache keeps of it). */
  keyCount(): number {
    let n = this.#keys.length;
    for (const sub of this.#loaded.values()) n += sub.keyCount();
    return n;
  }

  /** The key named `name` here (the highest cycle, or `cycle` when given). */
  get(name: string, cycle?: number): RootKeyInfo | undefined {
    let best: RootKeyInfo | undefined;
    for (const k of this.#keys) {
      if (k.name !== name) continue;
      if (cycle !== undefined ? k.cycle === cycle : !best || k.cycle > best.cycle) best = k;
    }
    return best;
  }

  /** Whether a key is a subdirectory. */
  static isDirectory(key: RootKeyInfo): boolean {
    return DIRECTORY_CLASSES.has(key.className);
  }

  /** Subdirectory `name` of this directory (its newest cycle), or undefined when there is none. */
  async subdirectory(source: RootByteSource, name: string): Promise<RootDirectory | undefined> {
    const key = this.get(name);
    if (!key || !RootDirectory.isDirectory(key)) return undefined;
    let dir = this.#subdirs.get(name);
    if (!dir) {
      dir = (async () => {
        const bytes = await readKeyObject(source, key.key);
        const record = readDirectoryRecord(bytes, source.path, `directory ${key.path}`);
        const loaded = await RootDirectory.#load(source, key.path, record);
        this.#loaded.set(name, loaded);
        return loaded;
      })();
      this.#subdirs.set(name, dir);
      dir.catch(() => this.#subdirs.delete(name));
    }
    return dir;
  }

  /**
   * The key at `path` (`Events`, `dir/Events`, `dir/Events;2`), the highest cycle unless the
   * path names one; undefined when some part of the path does not exist.
   */
  async find(source: RootByteSource, path: string): Promise<RootKeyInfo | undefined> {
    const parts = path.split('/').filter((p) => p !== '');
    if (parts.length === 0) return undefined;
    let dir: RootDirectory | undefined = this;
    for (const part of parts.slice(0, -1)) {
      dir = await dir.subdirectory(source, part);
      if (!dir) return undefined;
    }
    const last = parts[parts.length - 1]!;
    const semi = last.lastIndexOf(';');
    const cycle = semi > 0 ? Number(last.slice(semi + 1)) : undefined;
    if (cycle !== undefined && Number.isInteger(cycle)) return dir.get(last.slice(0, semi), cycle);
    return dir.get(last);
  }

  /**
   * Every key of this directory and (recursively) its subdirectories, newest cycle of each name
   * only, with paths such as `dir/Events`.
   */
  async walk(source: RootByteSource): Promise<RootKeyInfo[]> {
    const out: RootKeyInfo[] = [];
    const seen = new Set<string>();
    for (const key of this.#keys) {
      if (seen.has(key.name)) continue;
      seen.add(key.name);
      const newest = this.get(key.name)!;
      out.push(newest);
      if (RootDirectory.isDirectory(newest)) {
        const sub = await this.subdirectory(source, newest.name);
        if (sub) out.push(...await sub.walk(source));
      }
    }
    return out;
  }
}
