import { IoError } from '../errors.ts';
import type { RootFileHandle } from '../root/handle.ts';

// TEMPORARY: a minimal reader of the top directory's keys, until the ROOT file parser of
// src/io/root offers one; it will then be deleted in favour of that.

/** A key of the file's top directory. */
export interface TopKey {
  readonly name: string;
  readonly className: string;
  readonly cycle: number;
  readonly seek: number;
  readonly nbytes: number;
  readonly keylen: number;
  readonly objlen: number;
}

function readKey(bytes: Uint8Array, at: number, path: string): { key: TopKey; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = at;
  const nbytes = view.getInt32(p); p += 4;
  const version = view.getInt16(p); p += 2;
  const objlen = view.getInt32(p); p += 4;
  p += 4;
  const keylen = view.getInt16(p); p += 2;
  const cycle = view.getInt16(p); p += 2;
  let seek: number;
  if (version > 1000) { seek = Number(view.getBigInt64(p)); p += 16; } else { seek = view.getInt32(p); p += 8; }
  const str = (): string => {
    let n = bytes[p++]!;
    if (n === 255) { n = view.getInt32(p); p += 4; }
    if (p + n > bytes.length) throw new IoError('E_IO_MALFORMED', `Expected a key name within the key list of ${path}`, { path });
    const s = new TextDecoder('latin1').decode(bytes.subarray(p, p + n));
    p += n;
    return s;
  };
  const className = str();
  const name = str();
  str();
  return { key: { name, className, cycle, seek, nbytes, keylen, objlen }, end: p };
}

/** Reads the keys of the top directory of an open ROOT file. */
export function topKeys(handle: RootFileHandle): TopKey[] {
  const head = handle.read(0, Math.min(128, handle.size), 'the file header');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const raw = view.getInt32(4);
  const version = raw < 0 ? -raw % 1_000_000 : raw;
  const large = version >= 1_000_000;
  const begin = view.getInt32(8);
  const nbytesName = view.getInt32(large ? 4 + 4 + 4 + 8 + 8 + 4 + 4 : 4 + 4 + 4 + 4 + 4 + 4 + 4);
  const dir = handle.read(begin + nbytesName, 64, 'the top directory');
  const dview = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  const dlarge = dview.getInt16(0) > 1000;
  const seekKeys = dlarge ? Number(dview.getBigInt64(2 + 4 + 4 + 4 + 4 + 16)) : dview.getInt32(2 + 4 + 4 + 4 + 4 + 8);
  const keyHead = handle.read(seekKeys, Math.min(4096, handle.size - seekKeys), 'the key list');
  const first = readKey(keyHead, 0, handle.path).key;
  const list = handle.read(seekKeys, first.nbytes, 'the key list');
  const lview = new DataView(list.buffer, list.byteOffset, list.byteLength);
  let p = first.keylen;
  const n = lview.getInt32(p); p += 4;
  const keys: TopKey[] = [];
  for (let i = 0; i < n; i++) {
    const { key, end } = readKey(list, p, handle.path);
    keys.push(key);
    p = end;
  }
  return keys;
}
