import { skimBranch } from './branch-skim.ts';
import { BYTE_COUNT_MASK, CursorOverrun, RootCursor } from './cursor.ts';
import { builtinLayout, readMembers, UnknownVersion, type LayoutOf, type MemberDef } from './members.ts';
import {
  CLASS_MASK, listItems, MAP_OFFSET, NEW_CLASS_TAG, ObjectReader, readTList, readTObjArray, readTObject, RecordError,
  skipUnknown, type ClassReader, type RootObject,
} from './objects.ts';
import type { StreamerInfo } from './streamers.ts';

/** Branch classes cortado reads. */
const BRANCH_CLASSES = new Set(['TBranch', 'TBranchElement', 'TBranchObject', 'TBranchRef', 'TBranchSTL']);

/** Where an unstreamed branch lies in its tree record (and its name), to be read in full on first use. */
export interface BranchStub {
  readonly _class: string;
  readonly fName: string;
  /** The branch's version and the offset of its version header in the record. */
  readonly version: number;
  readonly at: number;
}

/** A TTree record parsed up to its branch list, each top-level branch a {@link BranchStub}. */
export interface TreeRecord {
  readonly className: string;
  readonly fEntries: number;
  readonly fAutoFlush?: number;
  readonly fNClusterRange?: number;
  readonly fClusterRangeEnd?: readonly number[];
  readonly fClusterSize?: readonly number[];
  readonly stubs: readonly BranchStub[];
  /** Reads a stub's branch in full (members, leaves, sub-branches, embedded baskets). */
  resolve(stub: BranchStub): RootObject;
  /**
   * A stub's basket-map members only (see `skimBranch`), undefined where only {@link resolve}
   * can tell them (or tell that the record is malformed).
   */
  skim(stub: BranchStub): RootObject | undefined;
}

/**
 * A layout lookup: cortado's built-in class versions first, then the file's streamer info
 * (`builtins: false` uses the streamer info alone, as for a version cortado does not carry).
 */
export function layoutLookup(infos: ReadonlyMap<string, StreamerInfo> | undefined, builtins = true): LayoutOf {
  const cache = new Map<string, readonly MemberDef[] | undefined>();
  return (className, version) => {
    const builtin = builtins ? builtinLayout(className, version) : undefined;
    if (builtin || !infos) return builtin;
    const key = `${className}@${version}`;
    if (cache.has(key)) return cache.get(key);
    const info = infos.get(key) ?? (version <= 0 ? [...infos.values()].find((i) => i.className === className) : undefined);
    const defs = info?.elements.map((e) => ({
      name: e.name, type: e.type, typeName: e.typeName, arrayLength: e.arrayLength, ...(e.countName ? { countName: e.countName } : {}),
    }));
    cache.set(key, defs);
    return defs;
  };
}

/** Reads an embedded TBasket (the unflushed last basket kept in a tree record). */
const readBasketObject: ClassReader = (_r, c) => {
  // No version header: TBasket streams its TKey first (fNbytes, key version, fObjlen, fDatime,
  // fKeylen, fCycle, two seeks, three strings), then its own version and fields.
  const nbytes = c.i32();
  const keyVersion = c.i16();
  c.skip(8); // fObjlen, fDatime
  const keylen = c.i16();
  c.skip(2 + (keyVersion > 1000 ? 16 : 8));
  c.string();
  c.string();
  c.string();
  c.skip(2); // the TBasket version (no byte count)
  c.skip(4); // fBufferSize
  const nevBufSize = c.i32();
  const nevBuf = c.i32();
  const last = c.i32();
  const flag = c.u8();
  const border = last - keylen;
  let offsets: Int32Array | undefined;
  if (flag !== 0 && flag % 10 !== 2 && flag < 80) {
    if (nevBuf > 0) {
      const n = c.i32();
      const raw = c.array(n, 4, c.i32);
      if (nevBufSize > 8 && n >= nevBuf) {
        offsets = new Int32Array(nevBuf + 1);
        for (let i = 0; i < nevBuf; i++) offsets[i] = raw[i]! - keylen;
        offsets[nevBuf] = border;
      }
    }
    if (flag > 40) c.skip(4 + 4 * Math.max(0, c.view.getInt32(c.pos))); // fDisplacement
  }
  let data: Uint8Array | undefined;
  if (flag === 1 || flag > 10) {
    c.need(last);
    data = c.bytes.subarray(c.pos + keylen, c.pos + last);
    c.pos += last;
  }
  return { _class: 'TBasket', nbytes, keylen, nevBuf, last, data, offsets };
};

/**
 * Parses a TTree (or TNtuple) record up to its branch list. Top-level branches are left as
 * stubs (name and title only, skipped by their byte count) and read in full by
 * {@link TreeRecord.resolve}; references into skipped bytes are read on demand. Throws
 * {@link UnknownVersion} for a class version neither built in nor in `infos`.
 *
 * @example
 * ```ts
 * const tree = readTreeRecord(bytes, key.keylen, 'TTree', undefined);
 * tree.stubs.map((s) => s.fName); // ['run', 'luminosityBlock', 'event', …]
 * ```
 */
export function readTreeRecord(bytes: Uint8Array, origin: number, className: string,
  infos: ReadonlyMap<string, StreamerInfo> | undefined, builtins = true): TreeRecord {
  const layoutOf = layoutLookup(infos, builtins);
  let lazy = true;
  const readerOf = (name: string): ClassReader | undefined => {
    if (BRANCH_CLASSES.has(name)) {
      return (r, c, cls) => {
        if (lazy) return readStub(c, cls, layoutOf);
        return readMembers(r, c, cls, layoutOf, { _class: cls }) as RootObject;
      };
    }
    if (name.startsWith('TLeaf')) {
      return (r, c, cls) => readMembers(r, c, cls, layoutOf, { _class: cls }, 'fType') as RootObject;
    }
    switch (name) {
      case 'TObjArray': return (r, c) => readTObjArray(r, c);
      case 'TList': case 'THashList': return (r, c, cls) => readTList(r, c, cls);
      case 'TBasket': return readBasketObject;
      default: return (_r, c, cls) => skipUnknown(c, cls);
    }
  };
  const r = new ObjectReader(bytes, origin, readerOf);
  const tree = readMembers(r, r.cursor, className, layoutOf, { _class: className }, 'fBranches',
    { fBranches: (rr, c) => scanBranches(rr, c, layoutOf) });
  lazy = false;
  const stubs = listItems(tree['fBranches']).map((b) => {
    if (!('at' in b)) throw new UnknownVersion(b._class, Number(b['_version'] ?? -1));
    return b as unknown as BranchStub;
  });
  const skimCursor = new RootCursor(bytes, 0, origin);
  return {
    className,
    fEntries: Number(tree['fEntries'] ?? 0),
    ...(tree['fAutoFlush'] !== undefined ? { fAutoFlush: Number(tree['fAutoFlush']) } : {}),
    ...(tree['fNClusterRange'] !== undefined ? { fNClusterRange: Number(tree['fNClusterRange']) } : {}),
    ...(tree['fClusterRangeEnd'] ? { fClusterRangeEnd: tree['fClusterRangeEnd'] as number[] } : {}),
    ...(tree['fClusterSize'] ? { fClusterSize: tree['fClusterSize'] as number[] } : {}),
    stubs,
    resolve(stub: BranchStub): RootObject {
      const c = new RootCursor(bytes, stub.at, origin);
      return readMembers(r, c, stub._class, layoutOf, { _class: stub._class }) as RootObject;
    },
    // The skim knows the built-in layouts only, which are the ones used unless `builtins` is off.
    skim(stub: BranchStub): RootObject | undefined {
      if (!builtins) return undefined;
      skimCursor.pos = stub.at;
      return skimBranch(r, skimCursor, stub._class);
    },
  };
}

/**
 * Reads a tree's branch list as stubs in one loop: for each branch its class tag, then
 * {@link readStub}. The same result as reading the TObjArray through the object reader, but
 * this is the whole cost of opening a tree (thousands of branches in NanoAOD) and runs once per
 * process, before the JIT has optimised the generic path. Anything but a counted branch object
 * (a null, a reference, another class) goes through the object reader.
 */
function scanBranches(r: ObjectReader, c: RootCursor, layoutOf: LayoutOf): RootObject {
  const v = c.version();
  if (v.version > 2) readTObject(c);
  const fName = v.version > 1 ? c.string() : '';
  const n = c.i32();
  c.skip(4); // fLowerBound
  if (n < 0 || n > c.length) throw new RecordError(`a TObjArray of ${n} objects`);
  const arr: (RootObject | null)[] = new Array(n);
  const view = c.view;
  const origin = c.origin;
  // The class and version of the last branch read in full: the next of the same skips the checks.
  let knownClass = '';
  let knownVersion = -1;
  for (let i = 0; i < n; i++) {
    const beg = c.pos;
    c.need(8);
    const bcnt = view.getUint32(beg);
    const tag = view.getUint32(beg + 4);
    if (!(bcnt & BYTE_COUNT_MASK) || bcnt === NEW_CLASS_TAG || !(tag & CLASS_MASK)) {
      arr[i] = r.readObjectAny(c);
      continue;
    }
    c.pos = beg + 8;
    let className: string;
    if (tag === NEW_CLASS_TAG) {
      className = c.cString();
      r.noteClass(beg + 4 + origin + MAP_OFFSET, className);
    } else {
      className = r.classAt((tag & ~CLASS_MASK) >>> 0);
    }
    if (!BRANCH_CLASSES.has(className)) {
      c.pos = beg;
      arr[i] = r.readObjectAny(c);
      continue;
    }
    const end = beg + 4 + (bcnt & ~BYTE_COUNT_MASK);
    let stub: RootObject;
    const at = c.pos;
    const head = at + 6 <= end ? view.getUint32(at) : 0;
    const version = head & BYTE_COUNT_MASK ? view.getInt16(at + 4) : -1;
    if (className === knownClass && version === knownVersion) {
      // The common case, without allocations: the TNamed (behind a TBranch base for other
      // classes), its TObject (fUniqueID, fBits, a process id when referenced), then fName.
      let p = at + 6;
      if (className !== 'TBranch') p += view.getUint32(p) & BYTE_COUNT_MASK ? 6 : 2;
      p += view.getUint32(p) & BYTE_COUNT_MASK ? 6 : 2;
      p += (view.getUint32(p) & BYTE_COUNT_MASK ? 6 : 2) + 8;
      if (view.getUint32(p - 4) & (1 << 4)) p += 2;
      let n = c.bytes[p++]!;
      if (n === 255) {
        n = view.getInt32(p);
        p += 4;
      }
      if (n < 0 || p + n > end) throw new CursorOverrun(p, n, end);
      c.pos = p;
      stub = { _class: className, fName: c.latin1(n), version, at };
    } else {
      stub = readStub(c, className, layoutOf);
      knownClass = className;
      knownVersion = version;
    }
    r.noteObject(beg + origin + MAP_OFFSET, stub);
    c.to(end);
    arr[i] = stub;
  }
  if (v.end !== undefined) c.to(v.end);
  return { _class: 'TObjArray', fName, arr };
}

/** Reads a branch's version and name, then skips it by its byte count. */
function readStub(c: RootCursor, className: string, layoutOf: LayoutOf): RootObject {
  const at = c.pos;
  const v = c.version();
  if (v.end === undefined || !layoutOf(className, v.version)) {
    c.pos = at;
    throw new UnknownVersion(className, v.version);
  }
  // The TNamed comes first in every branch class (TBranchElement: through its TBranch base).
  if (className !== 'TBranch') c.version();
  const named = c.version();
  c.version(); // TObject
  c.skip(8);
  const bits = c.view.getUint32(c.pos - 4);
  if (bits & (1 << 4)) c.skip(2);
  const fName = c.string();
  if (named.end !== undefined) c.to(named.end);
  else c.skipString(); // the title, read with the rest of the branch when it is resolved
  c.to(v.end);
  const stub: BranchStub = { _class: className, fName, version: v.version, at };
  return stub as unknown as RootObject;
}
