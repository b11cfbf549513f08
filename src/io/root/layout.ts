import type { BranchInfo, ColumnKind } from '../source.ts';
import { PLAIN, type Encoding } from './encodings.ts';
import { leafKind } from './kinds.ts';
import { listItems, type RootObject } from './objects.ts';
import type { StreamerInfo } from './streamers.ts';

/**
 * A basket kept inside the TTree record itself instead of on its own (ROOT writes the last,
 * unfilled basket of each branch this way when a file is closed without a final flush).
 */
export interface EmbeddedBasket {
  /** The entry data, `fLast - fKeylen` bytes. */
  readonly data: Uint8Array;
  /** Byte offsets of each entry in `data` plus the end (`entries + 1` values), for jagged branches. */
  readonly offsets: Int32Array | undefined;
}

/** Where one basket of a branch lies and which entries it holds. */
export interface BasketRef {
  readonly seek: number;
  readonly bytes: number;
  /** First entry (inclusive) and last entry (exclusive) in the basket. */
  readonly start: number;
  readonly stop: number;
  readonly embedded?: EmbeddedBasket;
}

/** Everything needed to read one branch: its decoded type, storage and basket map. */
export interface BranchLayout {
  /** The column name: the branch name, or `parent/child` for a sub-branch. */
  readonly name: string;
  /** The decoded type, or undefined when the branch cannot be read as numbers. */
  readonly kind: ColumnKind | undefined;
  /** Why the branch cannot be read (e.g. `TLeafC (a string)`), when `kind` is undefined. */
  readonly unsupported?: string;
  readonly jagged: boolean;
  readonly counter?: string;
  /** Values per entry of a flat branch, or per item of a jagged one (the product of `shape`). */
  readonly fixed: number;
  /** The fixed dimensions of each entry (flat) or item (jagged), e.g. `[2, 2]`; empty for scalars. */
  readonly shape: readonly number[];
  /** Whether baskets carry an entry-offset array after the data (`fEntryOffsetLen > 0`). */
  readonly hasEntryOffsets: boolean;
  /** Bytes before each entry's values (10 for `std::vector`: byte count, version, size). */
  readonly headerBytes: number;
  /** How values are stored (plain, or Double32/Float16 packings). */
  readonly encoding: Encoding;
  readonly baskets: readonly BasketRef[];
  /**
   * The branch's own entry count (`fEntries`), when its record was read. It equals the tree's
   * except in rare files (a member of a split object that was never filled has 0): uproot reads a
   * branch over these entries only, and cortado refuses a range past them with `E_IO_MALFORMED`.
   */
  readonly entries?: number;
  readonly info: BranchInfo | undefined;
}

/** What interpreting a branch needs besides the branch: the streamer info of element branches. */
export interface LayoutContext {
  readonly streamers: ReadonlyMap<string, StreamerInfo> | undefined;
}

/** Column kinds by TStreamerElement basic type code (kChar 1 … kBool 18, Double32 9, Float16 19; a kCounter 6 reads unsigned, as uproot does). */
const CODE_KIND: Readonly<Record<number, ColumnKind>> = {
  1: 'int8', 2: 'int16', 3: 'int32', 4: 'int64', 5: 'float32', 6: 'uint32', 8: 'float64', 9: 'float64', 11: 'uint8',
  12: 'uint16', 13: 'uint32', 14: 'uint64', 15: 'uint32', 16: 'int64', 17: 'uint64', 18: 'bool', 19: 'float32',
};

/** Column kinds of `std::vector<T>` element types. */
const TYPE_KIND: Readonly<Record<string, ColumnKind>> = {
  bool: 'bool', char: 'int8', 'signed char': 'int8', 'unsigned char': 'uint8', short: 'int16', 'unsigned short': 'uint16',
  int: 'int32', 'unsigned int': 'uint32', long: 'int64', 'unsigned long': 'uint64', 'long long': 'int64',
  'unsigned long long': 'uint64', float: 'float32', double: 'float64', Bool_t: 'bool', Char_t: 'int8', UChar_t: 'uint8',
  Short_t: 'int16', UShort_t: 'uint16', Int_t: 'int32', UInt_t: 'uint32', Long_t: 'int64', ULong_t: 'uint64',
  Long64_t: 'int64', ULong64_t: 'uint64', Float_t: 'float32', Double_t: 'float64', int8_t: 'int8', uint8_t: 'uint8',
  int16_t: 'int16', uint16_t: 'uint16', int32_t: 'int32', uint32_t: 'uint32', int64_t: 'int64', uint64_t: 'uint64',
  Double32_t: 'float64', Float16_t: 'float32',
};

// std::vector<T>, also with an allocator (ROOT::RVec<T> is streamed as one).
const VECTOR = /^(?:std::)?vector<\s*([A-Za-z_][\w ]*?)\s*(?:,\s*ROOT::Detail::VecOps::RAdoptAllocator<[^<>]*>\s*)?>$/;

function num(x: unknown): number {
  return Number(x ?? 0);
}

function toOffsets(entryOffset: ArrayLike<number> | undefined, nev: number, border: number): Int32Array | undefined {
  return entryOffset && entryOffset.length === nev + 1 ? Int32Array.from({ length: nev + 1 }, (_, i) => (i === nev ? border : entryOffset[i]!)) : undefined;
}

function embeddedBaskets(branch: RootObject, firstEntry: number): BasketRef[] {
  const refs: BasketRef[] = [];
  let start = firstEntry;
  for (const basket of listItems(branch['fBaskets'])) {
    const nev = num(basket['nevBuf']);
    if (basket._class !== 'TBasket' || !(nev > 0)) continue;
    const data = (basket['data'] as Uint8Array | undefined) ?? new Uint8Array(0);
    const border = num(basket['last']) - num(basket['keylen']);
    refs.push({
      seek: 0, bytes: 0, start, stop: start + nev,
      embedded: { data: data.subarray(0, Math.max(0, border)), offsets: toOffsets(basket['offsets'] as Int32Array | undefined, nev, border) },
    });
    start += nev;
  }
  return refs;
}

/** The basket map of a branch: `fWriteBasket` baskets on disk, then any embedded in the tree record. */
export function basketRefs(branch: RootObject): BasketRef[] {
  const entries = num(branch['fEntries']);
  const baskets: BasketRef[] = [];
  const written = num(branch['fWriteBasket']);
  const basketEntry = (branch['fBasketEntry'] as number[] | undefined) ?? [];
  const basketBytes = (branch['fBasketBytes'] as number[] | undefined) ?? [];
  const basketSeek = (branch['fBasketSeek'] as number[] | undefined) ?? [];
  for (let k = 0; k < written && k < basketEntry.length; k++) {
    const start = basketEntry[k]!;
    const stop = k + 1 < written ? basketEntry[k + 1]! : Math.max(basketEntry[k + 1] ?? entries, start);
    const bytes = basketBytes[k] ?? 0;
    if (bytes > 0 && stop > start) baskets.push({ seek: basketSeek[k] ?? 0, bytes, start, stop });
  }
  const onDisk = baskets.length ? baskets[baskets.length - 1]!.stop : 0;
  if (onDisk < entries) for (const ref of embeddedBaskets(branch, onDisk)) baskets.push(ref);
  return baskets;
}

/** The bracketed dimensions of a leaf title: `x[5]` → [5], `x[n][4]` → counter n, [4]. */
function titleDims(title: string): { counter: string | undefined; dims: number[] } {
  const dims: number[] = [];
  let counter: string | undefined;
  const slash = title.indexOf('/');
  const head = slash >= 0 ? title.slice(0, slash) : title;
  for (const m of head.matchAll(/\[([^\]]*)\]/g)) {
    const text = m[1]!.trim();
    if (text.includes(',')) continue;
    if (/^\d+$/.test(text)) dims.push(Number(text));
    else if (counter === undefined && dims.length === 0) counter = text;
  }
  return { counter, dims };
}

/** Evaluates a range bound such as `-1`, `2*pi`, `1.5e3` (numbers, pi, + - * / and parentheses). */
export function evalBound(text: string): number {
  const tokens = text.replace(/\s+/g, '').match(/\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|pi|[-+*/()]/gi) ?? [];
  if (tokens.join('').length !== text.replace(/\s+/g, '').length) return NaN;
  let i = 0;
  const expr = (): number => {
    let v = term();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = factor();
    while (tokens[i] === '*' || tokens[i] === '/') v = tokens[i++] === '*' ? v * factor() : v / factor();
    return v;
  };
  const factor = (): number => {
    const t = tokens[i++];
    if (t === '-') return -factor();
    if (t === '+') return factor();
    if (t === '(') {
      const v = expr();
      i++;
      return v;
    }
    if (t?.toLowerCase() === 'pi') return Math.PI;
    return t === undefined ? NaN : Number(t);
  };
  const v = expr();
  return i === tokens.length ? v : NaN;
}

/**
 * The storage of a Double32_t/Float16_t from the `[low, high, bits]` of its title (a leaf's or
 * a streamer element's): a float when no range is given, a truncated float when the range is
 * 0, 0 (Float16 without a range: 12 bits), else an unsigned integer over the range.
 */
export function packedEncoding(title: string, float16: boolean): Encoding | string {
  const m = /\[([^\]]*,[^\]]*)\]/.exec(title);
  if (!m) return float16 ? { type: 'truncated', bits: 12 } : { type: 'float32-as-float64' };
  const parts = m[1]!.split(',').map((s) => s.trim());
  const low = evalBound(parts[0]!);
  const high = evalBound(parts[1]!);
  const bits = parts.length > 2 ? Number(parts[2]) : 32;
  if (!Number.isFinite(low) || !Number.isFinite(high) || !Number.isInteger(bits)) return `a range ${m[0]} cortado cannot parse`;
  if (low === 0 && high === 0) {
    if (bits < 2 || bits > 32) return float16 ? { type: 'truncated', bits: 12 } : { type: 'float32-as-float64' };
    return { type: 'truncated', bits };
  }
  return { type: 'ranged', low, high, bits: bits < 2 || bits > 32 ? 32 : bits };
}

interface Interpretation {
  readonly kind: ColumnKind;
  readonly counter?: string | undefined;
  readonly shape: readonly number[];
  readonly headerBytes: number;
  readonly encoding: Encoding;
  /** Jagged even without a counter (std::vector). */
  readonly vector?: boolean;
}

/** The streamer element a TBranchElement reads (its class's element number fID). */
function elementOf(branch: RootObject, context: LayoutContext): { title: string; typeName: string; maxIndex: readonly number[]; arrayDim: number } | undefined {
  const infos = context.streamers;
  if (!infos) return undefined;
  const className = String(branch['fClassName'] ?? '');
  const version = num(branch['fClassVersion']);
  const info = infos.get(`${className}@${version}`) ?? [...infos.values()].find((i) => i.className === className);
  const id = num(branch['fID']);
  return id >= 0 ? info?.elements[id] : undefined;
}

function interpretElement(branch: RootObject, leaf: RootObject, context: LayoutContext): Interpretation | string {
  const type = num(branch['fType']);
  const streamerType = num(branch['fStreamerType']);
  const className = String(branch['fClassName'] ?? '');
  const element = elementOf(branch, context);
  const counterBranch = branch['fBranchCount'] as RootObject | null | undefined;
  const counter = counterBranch ? String(counterBranch['fName']) : undefined;
  const vector = VECTOR.exec(className) ?? (element ? VECTOR.exec(element.typeName) : null);
  // A top-level std::vector<number> (or such a member of a split object): jagged, 10 header bytes per entry.
  if (vector && (streamerType === -1 || streamerType === 300 || streamerType === 500 || streamerType >= 300 || type === 0)) {
    const kind = TYPE_KIND[vector[1]!.trim()];
    if (!kind) return `a std::vector of ${vector[1]}`;
    if (vector[1] === 'Double32_t' || vector[1] === 'Float16_t') return `a std::vector<${vector[1]}>`;
    if (counter !== undefined) return `a std::vector<${vector[1]}> inside a collection (${className})`;
    return { kind, shape: [], headerBytes: 10, encoding: PLAIN, vector: true };
  }
  if (type === 3 || type === 4) return { kind: 'int32', shape: [], headerBytes: 0, encoding: PLAIN };
  if (type !== 0 && type !== 31 && type !== 41) return `a TBranchElement of fType ${type} (${className})`;
  if ((type === 31 || type === 41) && counter === undefined) return `a collection member without a count branch (${className})`;
  let code = streamerType >= 0 ? streamerType : num(leaf['fType']);
  let shape: number[] = [];
  let headerBytes = 0;
  let vectorLike = false;
  if (code > 40 && code < 60) {
    // A pointer array `T* x; //[n]`: each entry is one flag byte, then n values.
    code -= 40;
    headerBytes = 1;
    vectorLike = true;
    if (type !== 0) return `an array member of a collection (${element?.typeName ?? className})`;
  } else if (code > 20 && code < 40) {
    code -= 20;
    const dims = element && element.arrayDim > 0 ? element.maxIndex.slice(0, element.arrayDim).filter((d) => d > 0) : [];
    const len = Math.max(1, num(leaf['fLen']));
    shape = dims.length && dims.reduce((a, b) => a * b, 1) === len ? [...dims] : [len];
  } else if (code <= 0 || code >= 20) {
    return `a TBranchElement member of streamer type ${code} (${element?.typeName ?? className})`;
  }
  const kind = CODE_KIND[code];
  if (!kind) return `a TBranchElement member of type code ${code}`;
  let encoding: Encoding = PLAIN;
  if (code === 15) encoding = { type: 'bits' };
  if (code === 9 || code === 19) {
    if (!element) return `a ${code === 9 ? 'Double32_t' : 'Float16_t'} member whose range is in a streamer info the file lacks`;
    const e = packedEncoding(element.title, code === 19);
    if (typeof e === 'string') return e;
    encoding = e;
  }
  return { kind, counter: type === 31 || type === 41 ? counter : undefined, shape, headerBytes, encoding, vector: vectorLike };
}

function interpretLeaf(leaf: RootObject): Interpretation | string {
  const cls = leaf._class;
  const title = String(leaf['fTitle'] ?? '');
  const count = leaf['fLeafCount'] as RootObject | null | undefined;
  const { dims } = titleDims(title);
  const len = Math.max(1, num(leaf['fLen']));
  const shape = dims.length && dims.reduce((a, b) => a * b, 1) === len ? dims : len > 1 ? [len] : [];
  const counter = count ? String(count['fName']) : undefined;
  if (cls === 'TLeafD32' || cls === 'TLeafF16') {
    const encoding = packedEncoding(title, cls === 'TLeafF16');
    if (typeof encoding === 'string') return encoding;
    return { kind: cls === 'TLeafD32' ? 'float64' : 'float32', counter, shape, headerBytes: 0, encoding };
  }
  const kind = leafKind(cls, Boolean(leaf['fIsUnsigned']));
  if (kind === undefined) return `a ${cls === 'TLeafC' ? 'TLeafC (a string)' : cls} leaf`;
  return { kind, counter, shape, headerBytes: 0, encoding: PLAIN };
}

/**
 * Describes a fully read branch as a {@link BranchLayout}: leaf type (or, for a TBranchElement,
 * its streamer type or `std::vector` class), fixed shape, jaggedness (a counter such as `nMuon`,
 * or the per-entry size of a vector), storage of Double32/Float16 values, and the basket map.
 */
export function branchLayout(branch: RootObject, name: string, context: LayoutContext): BranchLayout {
  const baskets = basketRefs(branch);
  const entries = num(branch['fEntries']);
  const hasEntryOffsets = num(branch['fEntryOffsetLen']) > 0;
  const unsupported = (reason: string): BranchLayout => ({
    name, kind: undefined, unsupported: reason, jagged: false, fixed: 1, shape: [], hasEntryOffsets, headerBytes: 0,
    encoding: PLAIN, baskets, entries, info: undefined,
  });
  // A TClonesArray or std::vector of objects (fType 3, 4): its own values are the item counts.
  const elementCount = branch._class === 'TBranchElement' && (num(branch['fType']) === 3 || num(branch['fType']) === 4);
  if (!elementCount && listItems(branch['fBranches']).length > 0) return unsupported('a branch with sub-branches (read those instead)');
  const leaves = listItems(branch['fLeaves']);
  if (leaves.length !== 1) return unsupported(`a leaf list of ${leaves.length} leaves (${String(branch['fTitle'])})`);
  const leaf = leaves[0]!;
  let interp: Interpretation | string;
  if (branch._class === 'TBranchElement') interp = interpretElement(branch, leaf, context);
  else if (branch._class === 'TBranch') interp = interpretLeaf(leaf);
  else interp = `a ${branch._class}`;
  if (typeof interp === 'string') return unsupported(interp);
  const fixed = interp.shape.reduce((a, b) => a * b, 1);
  const jagged = interp.counter !== undefined || interp.vector === true || fixed > 1;
  const { kind, counter, shape, headerBytes, encoding } = interp;
  const info: BranchInfo = counter !== undefined ? { name, kind, jagged, counter } : { name, kind, jagged };
  return {
    name, kind, jagged, ...(counter !== undefined ? { counter } : {}), fixed, shape, hasEntryOffsets, headerBytes, encoding,
    baskets, entries, info,
  };
}
