import { RootCursor, BYTE_COUNT_MASK } from './cursor.ts';

/** A streamed object as the parser keeps it: its class and the members it read. */
export interface RootObject {
  readonly _class: string;
  [member: string]: unknown;
}

/**
 * Reads the members of one object of `className`, the cursor at the object's own version
 * header; it leaves the cursor after the object.
 */
export type ClassReader = (r: ObjectReader, c: RootCursor, className: string) => RootObject;

// TBufferFile's tags: a new class (its name follows), class references (this bit set), and
// object/class tags that are byte offsets (counting the key) plus kMapOffset.
export const NEW_CLASS_TAG = 0xffffffff;
export const CLASS_MASK = 0x80000000;
export const MAP_OFFSET = 2;

/** A structure in a record that the parser rejects (an unknown class tag, a bad count). */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

/**
 * The object graph of one streamed record (TBufferFile's object and class maps): reads object
 * pointers (`ReadObjectAny`) and resolves references to objects and classes read earlier — or
 * lying in bytes a lazy reader skipped, which are read on demand from their offset.
 *
 * @example
 * ```ts
 * const r = new ObjectReader(bytes, key.keylen, readerOf);
 * const tree = r.readObject(r.cursor, 'TTree');
 * ```
 */
export class ObjectReader {
  readonly cursor: RootCursor;
  readonly #readerOf: (className: string) => ClassReader | undefined;
  readonly #objects = new Map<number, RootObject | null>();
  readonly #classes = new Map<number, string>();

  constructor(bytes: Uint8Array, origin: number, readerOf: (className: string) => ClassReader | undefined) {
    this.cursor = new RootCursor(bytes, 0, origin);
    this.#readerOf = readerOf;
  }

  /** Reads an object of a known class at the cursor (no pointer tag before it). */
  readObject(c: RootCursor, className: string): RootObject {
    const reader = this.#readerOf(className);
    if (reader) return reader(this, c, className);
    return skipUnknown(c, className);
  }

  /**
   * Reads an object pointer: null, a reference to an object read before (or lying in skipped
   * bytes), or a new object of a new or known class.
   */
  readObjectAny(c: RootCursor): RootObject | null {
    const beg = c.pos;
    let bcnt = c.u32();
    let tag: number;
    let start = 0;
    let counted = false;
    if (!(bcnt & BYTE_COUNT_MASK) || bcnt === NEW_CLASS_TAG) {
      tag = bcnt;
      bcnt = 0;
    } else {
      counted = true;
      start = c.pos;
      tag = c.u32();
    }
    if (!(tag & CLASS_MASK)) {
      if (tag === 0) return null;
      return this.#objectAt(tag);
    }
    let className: string;
    if (tag === NEW_CLASS_TAG) {
      className = c.cString();
      this.#classes.set(counted ? start + c.origin + MAP_OFFSET : this.#classes.size + 1, className);
    } else {
      className = this.#classAt((tag & ~CLASS_MASK) >>> 0);
    }
    // Registered before its members are read, as ROOT does: members may refer back to it (a
    // sub-branch's fBranchCount to its parent), and get this object, filled once read.
    const objTag = beg + c.origin + MAP_OFFSET;
    const obj: Record<string, unknown> = { _class: className };
    const before = this.#objects.get(objTag);
    this.#objects.set(objTag, obj as RootObject);
    try {
      Object.assign(obj, this.readObject(c, className));
      if (counted) c.to(start + (bcnt & ~BYTE_COUNT_MASK));
    } catch (error) {
      // Not left half-read (or read past a byte count that does not fit) for a later reference to
      // find: a reader that carries on after a failed read (the branch skim falls back to a full
      // read; a branch of an unknown version is kept as such; another branch read after one that
      // failed) would get this object instead of reading it again, and the error it raises.
      if (before === undefined) this.#objects.delete(objTag);
      else this.#objects.set(objTag, before);
      throw error;
    }
    return obj as RootObject;
  }

  /** Registers an object read outside {@link readObjectAny} under its tag (`beg + origin + 2`). */
  noteObject(tag: number, obj: RootObject): void {
    this.#objects.set(tag, obj);
  }

  /** Registers a class name read outside {@link readObjectAny} under its tag. */
  noteClass(tag: number, className: string): void {
    this.#classes.set(tag, className);
  }

  /** The class name a class reference tag (its 0x80000000 bit cleared) points to. */
  classAt(tag: number): string {
    return this.#classAt(tag);
  }

  #objectAt(tag: number): RootObject | null {
    const known = this.#objects.get(tag);
    if (known !== undefined) return known;
    const c = this.cursor;
    const pos = tag - c.origin - MAP_OFFSET;
    if (pos < 0 || pos + 8 > c.length) throw new RecordError(`an object reference to byte ${pos} outside the record`);
    const sub = new RootCursor(c.bytes, pos, c.origin);
    return this.readObjectAny(sub);
  }

  #classAt(tag: number): string {
    const known = this.#classes.get(tag);
    if (known !== undefined) return known;
    const c = this.cursor;
    const pos = tag - c.origin - MAP_OFFSET;
    if (pos < 0 || pos + 4 > c.length || c.view.getUint32(pos) !== NEW_CLASS_TAG) {
      throw new RecordError(`a class reference to byte ${pos} where no class name is`);
    }
    const sub = new RootCursor(c.bytes, pos + 4, c.origin);
    const name = sub.cString();
    this.#classes.set(tag, name);
    return name;
  }
}

/** Skips an object of a class without a reader by its byte count. */
export function skipUnknown(c: RootCursor, className: string): RootObject {
  const v = c.version();
  if (v.end === undefined) throw new RecordError(`an object of class ${className} without a byte count (cannot skip it)`);
  c.to(v.end);
  return { _class: className, _skipped: true, _version: v.version };
}

/** Reads TObject's members (version, fUniqueID, fBits and, for referenced objects, a process id). */
export function readTObject(c: RootCursor): { fUniqueID: number; fBits: number } {
  const v = c.version();
  const fUniqueID = c.u32();
  const fBits = c.u32();
  if (fBits & (1 << 4)) c.skip(2); // kIsReferenced: the process id
  if (v.end !== undefined) c.to(v.end);
  return { fUniqueID, fBits };
}

/** Reads a TNamed (its TObject, fName, fTitle). */
export function readTNamed(c: RootCursor): { fName: string; fTitle: string } {
  const v = c.version();
  readTObject(c);
  const fName = c.string();
  const fTitle = c.string();
  if (v.end !== undefined) c.to(v.end);
  return { fName, fTitle };
}

/** Reads a TObjArray: its TObject, name, count, lower bound, then each object pointer. */
export function readTObjArray(r: ObjectReader, c: RootCursor): RootObject {
  const v = c.version();
  if (v.version > 2) readTObject(c);
  const fName = v.version > 1 ? c.string() : '';
  const n = c.i32();
  c.skip(4); // fLowerBound
  if (n < 0 || n > c.length) throw new RecordError(`a TObjArray of ${n} objects`);
  const arr: (RootObject | null)[] = new Array(n);
  for (let i = 0; i < n; i++) arr[i] = r.readObjectAny(c);
  if (v.end !== undefined) c.to(v.end);
  return { _class: 'TObjArray', fName, arr };
}

/** Reads a TList: its TObject, name, count, then each object pointer followed by its option string. */
export function readTList(r: ObjectReader, c: RootCursor, className = 'TList'): RootObject {
  const v = c.version();
  if (v.version <= 3) throw new RecordError(`a ${className} of version ${v.version} (cortado reads versions 4 and later)`);
  readTObject(c);
  const fName = c.string();
  const n = c.i32();
  if (n < 0 || n > c.length) throw new RecordError(`a ${className} of ${n} objects`);
  const arr: (RootObject | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    arr[i] = r.readObjectAny(c);
    // The option string follows every item from version 4 on; only version 5 allows its long form.
    const n = c.u8();
    c.skip(n === 255 && v.version > 4 ? c.i32() : n);
  }
  if (v.end !== undefined) c.to(v.end);
  return { _class: className, fName, arr };
}

/** The objects of a TObjArray or TList (nulls left out). */
export function listItems(list: unknown): RootObject[] {
  const arr = (list as { arr?: (RootObject | null)[] } | null | undefined)?.arr;
  return arr ? arr.filter((x): x is RootObject => x !== null && x !== undefined) : [];
}
