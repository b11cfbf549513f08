import type { RootCursor } from './cursor.ts';

/** A TKey: where one object record of a file lies, its class, name, cycle and sizes. */
export interface RootKey {
  readonly className: string;
  readonly name: string;
  readonly title: string;
  readonly cycle: number;
  /** Bytes of the record on disk (key + compressed object). */
  readonly nbytes: number;
  /** Bytes of the object once decompressed. */
  readonly objlen: number;
  /** Bytes of the key itself: the object's bytes follow it at `seekKey + keylen`. */
  readonly keylen: number;
  readonly seekKey: number;
  /** The directory the key belongs to (its TDirectory record's seek). */
  readonly seekPdir: number;
  readonly version: number;
}

/**
 * Reads a TKey header: fNbytes, fVersion, fObjlen, fDatime, fKeylen, fCycle, fSeekKey and
 * fSeekPdir (8 bytes each when fVersion > 1000, else 4), then the class name, name and title.
 *
 * @example
 * ```ts
 * const key = readKey(new RootCursor(keyBytes)); // { className: 'TTree', name: 'Events', cycle: 1, … }
 * ```
 */
export function readKey(c: RootCursor): RootKey {
  const nbytes = c.i32();
  const version = c.i16();
  const objlen = c.i32();
  c.skip(4); // fDatime
  const keylen = c.i16();
  const cycle = c.i16();
  const large = version > 1000;
  const seekKey = large ? c.i64() : c.u32();
  const seekPdir = large ? c.i64() : c.u32();
  const className = c.string();
  const name = c.string();
  const title = c.string();
  return { className, name, title, cycle, nbytes, objlen, keylen, seekKey, seekPdir, version };
}
