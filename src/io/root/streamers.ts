import { RootCursor } from './cursor.ts';
import {
  listItems, ObjectReader, readTList, readTNamed, readTObjArray, readTObject, skipUnknown, type ClassReader, type RootObject,
} from './objects.ts';

/** One member of a class as a TStreamerElement describes it. */
export interface StreamerElement {
  /** The element's class (TStreamerBase, TStreamerBasicType, TStreamerBasicPointer, …). */
  readonly kind: string;
  readonly name: string;
  readonly title: string;
  /** TVirtualStreamerInfo's type code (kBase 0, kInt 3, kOffsetL + n, kObject 61, …). */
  readonly type: number;
  readonly typeName: string;
  readonly arrayLength: number;
  readonly arrayDim: number;
  readonly maxIndex: readonly number[];
  /** TStreamerBase: the base class version. */
  readonly baseVersion?: number;
  /** TStreamerBasicPointer/TStreamerLoop: the member holding the array length. */
  readonly countName?: string;
  /** TStreamerSTL: the container kind and the element type code. */
  readonly stlType?: number;
  readonly ctype?: number;
}

/** A class layout from a TStreamerInfo: its version, checksum and members in streaming order. */
export interface StreamerInfo {
  readonly className: string;
  readonly version: number;
  readonly checksum: number;
  readonly elements: readonly StreamerElement[];
}

const ELEMENT_CLASSES = new Set([
  'TStreamerElement', 'TStreamerBase', 'TStreamerBasicType', 'TStreamerBasicPointer', 'TStreamerLoop',
  'TStreamerObject', 'TStreamerObjectPointer', 'TStreamerObjectAny', 'TStreamerObjectAnyPointer', 'TStreamerString',
  'TStreamerSTL', 'TStreamerSTLstring', 'TStreamerArtificial',
]);

function readElementBase(c: RootCursor): Omit<StreamerElement, 'kind'> {
  const v = c.version();
  const { fName, fTitle } = readTNamed(c);
  let type = c.i32();
  c.skip(4); // fSize
  const arrayLength = c.i32();
  const arrayDim = c.i32();
  const n = v.version === 1 ? c.i32() : 5;
  const maxIndex = c.array(n, 4, c.i32);
  const typeName = c.string();
  if (type === 11 && (typeName === 'Bool_t' || typeName === 'bool')) type = 18;
  if (v.end !== undefined) c.to(v.end);
  return { name: fName, title: fTitle, type, typeName, arrayLength, arrayDim, maxIndex };
}

const readElement: ClassReader = (_r, c, className) => {
  const v = c.version();
  const base = readElementBase(c);
  let extra: Partial<StreamerElement> = {};
  if (className === 'TStreamerBase' && v.version > 2) {
    extra = { baseVersion: c.i32() };
  } else if (className === 'TStreamerBasicPointer' || className === 'TStreamerLoop') {
    c.skip(4); // fCountVersion
    extra = { countName: c.string() };
    c.string(); // fCountClass
  } else if (className === 'TStreamerSTL' || className === 'TStreamerSTLstring') {
    extra = { stlType: c.i32(), ctype: c.i32() };
  }
  if (v.end !== undefined) c.to(v.end);
  return { _class: className, element: { kind: className, ...base, ...extra } };
};

const readStreamerInfo: ClassReader = (r, c) => {
  const v = c.version();
  const { fName } = readTNamed(c);
  const checksum = c.u32();
  const version = c.i32();
  const elements = listItems(r.readObjectAny(c)).map((e) => e['element'] as StreamerElement).filter((e) => e);
  if (v.end !== undefined) c.to(v.end);
  return { _class: 'TStreamerInfo', info: { className: fName, version, checksum, elements } satisfies StreamerInfo };
};

const readObjString: ClassReader = (_r, c) => {
  const v = c.version();
  readTObject(c);
  const fString = c.string();
  if (v.end !== undefined) c.to(v.end);
  return { _class: 'TObjString', fString };
};

function streamerReaderOf(className: string): ClassReader | undefined {
  if (ELEMENT_CLASSES.has(className)) return readElement;
  switch (className) {
    case 'TStreamerInfo': return readStreamerInfo;
    case 'TList': return (r, c) => readTList(r, c);
    case 'TObjArray': return (r, c) => readTObjArray(r, c);
    case 'TObjString': return readObjString;
    default: return (_r, c, name) => skipUnknown(c, name);
  }
}

/**
 * Parses a file's streamer-info record (a TList of TStreamerInfo; schema-evolution rules in it
 * are skipped) into class layouts keyed `Class@version`.
 *
 * @example
 * ```ts
 * const infos = parseStreamerInfos(await readKeyObject(source, infoKey), infoKey.keylen);
 * infos.get('TBranch@13')?.elements.map((e) => e.name); // ['TNamed', 'TAttFill', 'fCompress', …]
 * ```
 */
export function parseStreamerInfos(bytes: Uint8Array, origin: number): Map<string, StreamerInfo> {
  const r = new ObjectReader(bytes, origin, streamerReaderOf);
  const list = r.readObject(r.cursor, 'TList');
  const out = new Map<string, StreamerInfo>();
  for (const item of listItems(list)) {
    const info = (item as RootObject)['info'] as StreamerInfo | undefined;
    if (info) out.set(`${info.className}@${info.version}`, info);
  }
  return out;
}
