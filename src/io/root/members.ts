import type { RootCursor } from './cursor.ts';
import { readTList, readTNamed, readTObjArray, readTObject, RecordError, type ObjectReader } from './objects.ts';

/** One member of a class layout: name, TVirtualStreamerInfo type code, class name, count member. */
export interface MemberDef {
  readonly name: string;
  readonly type: number;
  readonly typeName: string;
  readonly countName?: string;
  readonly arrayLength: number;
}

/** Finds the layout of a class version (built in, or from the file's streamer info). */
export type LayoutOf = (className: string, version: number) => readonly MemberDef[] | undefined;

/** A class version that has no layout: built-in readers lack it and so does the file. */
export class UnknownVersion extends Error {
  constructor(readonly className: string, readonly version: number) {
    super(`no layout for class ${className} version ${version}`);
    this.name = 'UnknownVersion';
  }
}

// Base classes whose members cortado never uses: skipped by their byte count whatever the version.
const SKIPPABLE_BASES = new Set(['TAttLine', 'TAttFill', 'TAttMarker', 'TAttAxis', 'TAttBBox2D', 'TAtt3D']);

/** Bytes of the basic types by type code (kChar 1 … kBool 18). */
const BASIC_SIZE: Readonly<Record<number, number>> = {
  1: 1, 2: 2, 3: 4, 4: 8, 5: 4, 6: 4, 8: 8, 9: 4, 11: 1, 12: 2, 13: 4, 14: 8, 15: 4, 16: 8, 17: 8, 18: 1,
};

function readBasic(c: RootCursor, type: number): number {
  switch (type) {
    case 1: return c.i8();
    case 2: return c.i16();
    case 3: case 6: return c.i32();
    case 4: case 16: return c.i64();
    case 5: case 9: return c.f32(); // Double32_t without a range is a float on disk
    case 8: return c.f64();
    case 11: case 18: return c.u8();
    case 12: return c.u16();
    case 13: case 15: return c.u32();
    case 14: case 17: return c.i64();
    default: throw new RecordError(`a member of type code ${type}, which cortado cannot read in metadata`);
  }
}

/** Reads a TArray (TArrayD fSumw2 …): a count, then the values, with no version header. */
function readTArray(c: RootCursor, typeName: string): number[] {
  const n = c.i32();
  if (n < 0) throw new RecordError(`a ${typeName} of ${n} values`);
  switch (typeName) {
    case 'TArrayD': return c.array(n, 8, c.f64);
    case 'TArrayF': return c.array(n, 4, c.f32);
    case 'TArrayI': return c.array(n, 4, c.i32);
    case 'TArrayS': return c.array(n, 2, c.i16);
    case 'TArrayC': return c.array(n, 1, c.i8);
    case 'TArrayL64': return c.array(n, 8, c.i64);
    default: throw new RecordError(`an array class ${typeName}`);
  }
}

/** Whether `typeName` is one of ROOT's TArray classes. */
export function isTArray(typeName: string): boolean {
  return /^TArray(D|F|I|S|C|L64)$/.test(typeName);
}

/**
 * Reads an object of `className` at the cursor (its version header first) member by member from
 * its layout, into `out`: numbers, arrays of numbers, strings, TObjArray/TList contents, object
 * pointers, and the members of base classes (flattened). Members after `stopAfter` are skipped
 * by the object's byte count. Throws {@link UnknownVersion} when no layout is known.
 *
 * @example
 * ```ts
 * const tree = readMembers(r, r.cursor, 'TTree', builtinLayout, {}, 'fBranches');
 * tree['fEntries']; // 40
 * ```
 */
export function readMembers(r: ObjectReader, c: RootCursor, className: string, layoutOf: LayoutOf,
  out: Record<string, unknown>, stopAfter?: string, custom?: MemberReaders): Record<string, unknown> {
  const start = c.pos;
  const v = c.version();
  const layout = layoutOf(className, v.version);
  if (!layout) {
    if (SKIPPABLE_BASES.has(className) && v.end !== undefined) {
      c.to(v.end);
      return out;
    }
    c.pos = start;
    throw new UnknownVersion(className, v.version);
  }
  for (const m of layout) {
    const own = custom?.[m.name];
    if (own) out[m.name] = own(r, c);
    else readMember(r, c, m, layoutOf, out, custom);
    if (m.name === stopAfter) break;
  }
  if (v.end !== undefined) c.to(v.end);
  return out;
}

/** Readers of particular members by name, used instead of the layout's type (a tree's branch list). */
export type MemberReaders = Readonly<Record<string, (r: ObjectReader, c: RootCursor) => unknown>>;

function readMember(r: ObjectReader, c: RootCursor, m: MemberDef, layoutOf: LayoutOf, out: Record<string, unknown>,
  custom: MemberReaders | undefined): void {
  const type = m.type;
  if (type === 0 || ((type === 66 || type === 67) && m.typeName === 'BASE')) {
    if (m.name === 'TObject') Object.assign(out, readTObject(c));
    else if (m.name === 'TNamed') Object.assign(out, readTNamed(c));
    else if (isTArray(m.name)) out[m.name] = readTArray(c, m.name);
    else readMembers(r, c, m.name, layoutOf, out, undefined, custom);
    return;
  }
  if (type > 0 && type < 20) {
    out[m.name] = readBasic(c, type);
  } else if (type > 20 && type < 40) {
    const base = type - 20;
    const size = BASIC_SIZE[base];
    if (size === undefined) throw new RecordError(`a fixed array of type code ${base}`);
    out[m.name] = c.array(m.arrayLength, size, () => readBasic(c, base));
  } else if (type > 40 && type < 60) {
    const base = type - 40;
    const size = BASIC_SIZE[base];
    if (size === undefined) throw new RecordError(`a counted array of type code ${base}`);
    const present = c.u8();
    const n = Number(out[m.countName ?? ''] ?? 0);
    out[m.name] = present && n > 0 ? c.array(n, size, () => readBasic(c, base)) : [];
  } else if (type === 61 || type === 62 || type === 63 || type === 68) {
    // kObjectp/kAnyp (63, 68): a `//->` pointer, never null, streamed in place like an object.
    const typeName = type === 63 || type === 68 ? m.typeName.replace(/\s*\*$/, '') : m.typeName;
    if (typeName === 'TObjArray') out[m.name] = readTObjArray(r, c);
    else if (typeName === 'TList' || typeName === 'THashList') out[m.name] = readTList(r, c, typeName);
    else if (typeName === 'TString') out[m.name] = c.string();
    else if (isTArray(typeName)) out[m.name] = readTArray(c, typeName);
    else if (typeName === 'TNamed') out[m.name] = readTNamed(c);
    else if (layoutOf(typeName, peekVersion(c)) !== undefined) out[m.name] = readMembers(r, c, typeName, layoutOf, { _class: typeName });
    else skipCounted(c, m);
  } else if (type === 64 || type === 69) {
    out[m.name] = r.readObjectAny(c);
  } else if (type === 65) {
    out[m.name] = c.string();
  } else if (type === 66) {
    Object.assign(out, readTObject(c));
  } else if (type === 67) {
    out[m.name] = readTNamed(c);
  } else if (type >= 300 || type === 500) {
    skipCounted(c, m);
  } else {
    throw new RecordError(`member ${m.name} of type code ${type} (${m.typeName})`);
  }
}

function peekVersion(c: RootCursor): number {
  const at = c.pos;
  try {
    return c.version().version;
  } catch {
    return -1;
  } finally {
    c.pos = at;
  }
}

function skipCounted(c: RootCursor, m: MemberDef): void {
  const v = c.version();
  if (v.end === undefined) throw new RecordError(`member ${m.name} (${m.typeName}) without a byte count (cannot skip it)`);
  c.to(v.end);
}

/** Parses the compact layout notation of {@link BUILTIN_LAYOUTS}: `name:type[:typeName|countName|arrayLength]`. */
function parseLayout(spec: string): MemberDef[] {
  return spec.split(' ').map((item) => {
    const [name, typeText, extra] = item.split(':') as [string, string, string | undefined];
    const type = Number(typeText);
    if (type > 40 && type < 60) return { name, type, typeName: '', countName: extra ?? '', arrayLength: 0 };
    if (type > 20 && type < 40) return { name, type, typeName: '', arrayLength: Number(extra) };
    return { name, type, typeName: extra ?? '', arrayLength: 0 };
  });
}

const TLEAF_MEMBERS = 'TNamed:67:BASE fLen:3 fLenType:3 fOffset:3 fIsRange:18 fIsUnsigned:18 fLeafCount:64:TLeaf*';
const TTREE_HEAD = 'TNamed:67:BASE TAttLine:0:BASE TAttFill:0:BASE TAttMarker:0:BASE fEntries:16 fTotBytes:16 fZipBytes:16 fSavedBytes:16';
const TTREE_TAIL = 'fBranches:61:TObjArray fLeaves:61:TObjArray fAliases:64:TList* fIndexValues:62:TArrayD fIndex:62:TArrayI ' +
  'fTreeIndex:64:TVirtualIndex* fFriends:64:TList* fUserInfo:64:TList* fBranchRef:64:TBranchRef*';
const TTREE_LIMITS = 'fMaxEntries:16 fMaxEntryLoop:16 fMaxVirtualSize:16 fAutoSave:16';
const TBRANCH_HEAD = 'TNamed:67:BASE TAttFill:0:BASE fCompress:3 fBasketSize:3 fEntryOffsetLen:3 fWriteBasket:3 fEntryNumber:16';
const TBRANCH_TAIL = 'fOffset:3 fMaxBaskets:6 fSplitLevel:3 fEntries:16 fFirstEntry:16 fTotBytes:16 fZipBytes:16 ' +
  'fBranches:61:TObjArray fLeaves:61:TObjArray fBaskets:61:TObjArray fBasketBytes:43:fMaxBaskets ' +
  'fBasketEntry:56:fMaxBaskets fBasketSeek:56:fMaxBaskets fFileName:65:TString';
const TBRANCHELEMENT = (classVersionType: number): string => 'TBranch:0:BASE fClassName:65:TString fParentName:65:TString ' +
  `fClonesName:65:TString fCheckSum:13 fClassVersion:${classVersionType} fID:3 fType:3 fStreamerType:3 fMaximum:3 ` +
  'fBranchCount:64:TBranchElement* fBranchCount2:64:TBranchElement*';
const TH1_HEAD = 'TNamed:67:BASE TAttLine:0:BASE TAttFill:0:BASE TAttMarker:0:BASE fNcells:3 fXaxis:61:TAxis fYaxis:61:TAxis ' +
  'fZaxis:61:TAxis fBarOffset:2 fBarWidth:2 fEntries:8 fTsumw:8 fTsumw2:8 fTsumwx:8 fTsumwx2:8 fMaximum:8 fMinimum:8 ' +
  'fNormFactor:8 fContour:62:TArrayD fSumw2:62:TArrayD fOption:65:TString fFunctions:63:TList* fBufferSize:6 ' +
  'fBuffer:48:fBufferSize fBinStatErrOpt:3';
const TAXIS_HEAD = 'TNamed:67:BASE TAttAxis:0:BASE fNbins:3 fXmin:8 fXmax:8 fXbins:62:TArrayD fFirst:3 fLast:3 fBits2:12 ' +
  'fTimeDisplay:18 fTimeFormat:65:TString fLabels:64:THashList*';

/**
 * Layouts of the class versions real files use (taken from the streamer infos ROOT 5.23 to 6.32
 * wrote), so opening a file needs no streamer-info record. Leaves are listed up to the members
 * cortado uses.
 */
const BUILTIN_SPECS: Readonly<Record<string, string>> = {
  'TTree@16': `${TTREE_HEAD} fWeight:8 fTimerInterval:3 fScanField:3 fUpdate:3 ${TTREE_LIMITS} fEstimate:16 ${TTREE_TAIL}`,
  'TTree@17': `${TTREE_HEAD} fWeight:8 fTimerInterval:3 fScanField:3 fUpdate:3 fDefaultEntryOffsetLen:3 ${TTREE_LIMITS} ` +
    `fEstimate:16 ${TTREE_TAIL}`,
  'TTree@18': `${TTREE_HEAD} fFlushedBytes:16 fWeight:8 fTimerInterval:3 fScanField:3 fUpdate:3 fDefaultEntryOffsetLen:3 ` +
    `${TTREE_LIMITS} fAutoFlush:16 fEstimate:16 ${TTREE_TAIL}`,
  'TTree@19': `${TTREE_HEAD} fFlushedBytes:16 fWeight:8 fTimerInterval:3 fScanField:3 fUpdate:3 fDefaultEntryOffsetLen:3 ` +
    `fNClusterRange:6 ${TTREE_LIMITS} fAutoFlush:16 fEstimate:16 fClusterRangeEnd:56:fNClusterRange ` +
    `fClusterSize:56:fNClusterRange ${TTREE_TAIL}`,
  'TTree@20': `${TTREE_HEAD} fFlushedBytes:16 fWeight:8 fTimerInterval:3 fScanField:3 fUpdate:3 fDefaultEntryOffsetLen:3 ` +
    `fNClusterRange:6 ${TTREE_LIMITS} fAutoFlush:16 fEstimate:16 fClusterRangeEnd:56:fNClusterRange ` +
    `fClusterSize:56:fNClusterRange fIOFeatures:62:ROOT::TIOFeatures ${TTREE_TAIL}`,
  'TNtuple@2': 'TTree:0:BASE fNvar:3',
  'TNtupleD@1': 'TTree:0:BASE fNvar:3',
  'TBranch@11': `${TBRANCH_HEAD} ${TBRANCH_TAIL}`,
  'TBranch@12': `${TBRANCH_HEAD} ${TBRANCH_TAIL}`,
  'TBranch@13': `${TBRANCH_HEAD} fIOFeatures:62:ROOT::TIOFeatures ${TBRANCH_TAIL}`,
  'TBranchElement@9': TBRANCHELEMENT(3),
  'TBranchElement@10': TBRANCHELEMENT(2),
  'TLeaf@2': TLEAF_MEMBERS,
  'TLeafElement@1': 'TLeaf:0:BASE fID:3 fType:3',
  'TH1@7': TH1_HEAD,
  'TH1@8': `${TH1_HEAD} fStatOverflows:3`,
  'TH2@4': 'TH1:0:BASE fScalefactor:8 fTsumwy:8 fTsumwy2:8 fTsumwxy:8',
  'TH2@5': 'TH1:0:BASE fScalefactor:8 fTsumwy:8 fTsumwy2:8 fTsumwxy:8',
  'TAxis@9': TAXIS_HEAD,
  'TAxis@10': `${TAXIS_HEAD} fModLabs:64:TList*`,
};

const LEAF_CLASSES = ['TLeafB', 'TLeafS', 'TLeafI', 'TLeafL', 'TLeafG', 'TLeafF', 'TLeafD', 'TLeafO', 'TLeafC', 'TLeafF16', 'TLeafD32'];

const BUILTIN = new Map<string, MemberDef[]>();
for (const [key, spec] of Object.entries(BUILTIN_SPECS)) BUILTIN.set(key, parseLayout(spec));
// A typed leaf is its TLeaf base then fMinimum/fMaximum, which cortado never reads: the reader
// stops after the base and skips the rest by the byte count.
for (const leaf of LEAF_CLASSES) BUILTIN.set(`${leaf}@1`, parseLayout('TLeaf:0:BASE'));
for (const h of ['TH1D', 'TH1F', 'TH1I', 'TH1S', 'TH1C']) {
  for (const v of [1, 2, 3]) BUILTIN.set(`${h}@${v}`, parseLayout(`TH1:0:BASE TArray${h.slice(3)}:0:BASE`));
}
for (const h of ['TH2D', 'TH2F', 'TH2I', 'TH2S', 'TH2C']) {
  for (const v of [3, 4]) BUILTIN.set(`${h}@${v}`, parseLayout(`TH2:0:BASE TArray${h.slice(3)}:0:BASE`));
}

/** The built-in layout of `className` version `version`, if cortado carries one. */
export function builtinLayout(className: string, version: number): readonly MemberDef[] | undefined {
  return BUILTIN.get(`${className}@${version}`);
}
