import { TBuffer } from 'jsroot/io';

/* eslint-disable @typescript-eslint/no-explicit-any -- jsroot buffers and objects are untyped */

// ROOT's streaming constants (TBufferFile): object and class tags are byte offsets plus 2.
const kMapOffset = 2;
const kNewClassTag = 0xffffffff;
/** TBranch versions streamed member-wise from the streamer info (jsroot's own rule). */
const MIN_LAZY_VERSION = 10;

const STUB = Symbol('cortado.branchStub');

export interface BranchStub {
  readonly buffer: any;
  /** Where the TBranch members start (after its byte count and version). */
  readonly off: number;
  readonly version: number;
}

const proto = TBuffer.prototype as any;
const kIsReferenced = 1 << 4;

/**
 * Reads a `TNamed` base (its TObject, fName, fTitle) as jsroot's streamer does, without jsroot's
 * per-call streamer lookup (which rebuilds the TNamed streamer for every object).
 */
function readNamed(buf: any, obj: any): void {
  const named = buf.readVersion();
  buf.readVersion(); // TObject's version
  obj.fUniqueID = buf.ntou4();
  obj.fBits = buf.ntou4();
  if (obj.fBits & kIsReferenced) buf.ntou2(); // the process id
  obj.fName = buf.readTString();
  obj.fTitle = buf.readTString();
  buf.checkByteCount(named, 'TNamed');
}

/**
 * Makes a jsroot buffer read `TBranch` objects lazily: only each branch's name (its `TNamed`)
 * is read, the rest is skipped by its byte count and streamed on {@link resolveBranch}. Object
 * and class references into skipped bytes are read on demand from their offsets, so branches
 * resolve in any order. Cuts opening a NanoAOD tree of ~1,500 branches from streaming all of
 * them to streaming the few a read asks for.
 */
export function makeBranchesLazy(buffer: TBuffer): void {
  const buf = buffer as any;
  buf.classStreamer = function lazyClassStreamer(this: any, obj: any, classname: string): any {
    if (classname !== 'TBranch') return proto.classStreamer.call(this, obj, classname);
    const at = this.o;
    const ver = this.readVersion();
    if (ver.bytecnt === undefined || ver.checksum !== undefined || !(ver.val >= MIN_LAZY_VERSION)) {
      this.o = at;
      return proto.classStreamer.call(this, obj, classname);
    }
    if (obj._typename === undefined) obj._typename = classname;
    readNamed(this, obj);
    obj[STUB] = { buffer: this, off: ver.off, version: ver.val } satisfies BranchStub;
    this.o = ver.off + ver.bytecnt;
    return obj;
  };
  buf.getMappedObject = function lazyMappedObject(this: any, tag: number): any {
    const known = this.fObjectMap[tag];
    if (known !== undefined) return known;
    const pos = tag - this.fTagOffset - kMapOffset;
    if (pos < 0 || pos + 8 > this.length) return undefined;
    const o = this.o;
    try {
      this.o = pos;
      return this.readObjectAny();
    } finally {
      this.o = o;
    }
  };
  buf.getMappedClass = function lazyMappedClass(this: any, tag: number): string | -1 {
    if (tag in this.fClassMap) return this.fClassMap[tag];
    const pos = tag - this.fTagOffset - kMapOffset;
    if (pos < 0 || pos + 4 > this.length || this.arr.getUint32(pos) !== kNewClassTag) return -1;
    const o = this.o;
    try {
      this.o = pos + 4;
      const name: string = this.readNullTerminatedString();
      this.mapClass(tag, name);
      return name;
    } finally {
      this.o = o;
    }
  };
}

/**
 * Where the skipped members of a stub branch lie (its buffer, the offset after its byte count and
 * version, and that version), or undefined when `branch` is not a stub.
 */
export function stubPosition(branch: any): BranchStub | undefined {
  return branch?.[STUB];
}

/** Whether `branch` is a stub left by a lazy buffer (see {@link makeBranchesLazy}). */
export function isBranchStub(branch: any): boolean {
  return branch?.[STUB] !== undefined;
}

/**
 * Streams the members of a stub branch (and of its sub-branches) in place; a branch read in
 * full is left as it is.
 */
export function resolveBranch(branch: any): any {
  const stub: BranchStub | undefined = branch?.[STUB];
  if (stub === undefined) return branch;
  delete branch[STUB];
  const buf = stub.buffer;
  const o = buf.o;
  try {
    buf.o = stub.off;
    buf.last_read_version = stub.version;
    buf.streamClassMembers(branch, 'TBranch', stub.version);
  } finally {
    buf.o = o;
  }
  for (const sub of branch.fBranches?.arr ?? []) resolveBranch(sub);
  return branch;
}
