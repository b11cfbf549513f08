import type { Column, NumericArray } from '../columns.ts';
import { IoError } from '../errors.ts';
import { KIND_CODECS, type NumericArrayConstructor } from '../root/kinds.ts';
import type { ColumnKind } from '../source.ts';
import type { ColumnEncoding } from './column-types.ts';
import { encodingOf } from './decode-page.ts';
import type { ClusterDescriptor, ColumnRange } from './descriptor.ts';
import type { FieldPlan } from './fields.ts';
import type { ByteRange, PageSource } from './page-bytes.ts';
import { loadPage, type PageStats } from './pages.ts';
import type { ColumnDescriptor } from './schema-frames.ts';

/** The decoded pages a source keeps between reads: the last page of each column a read ended inside. */
export type PageCache = Map<number, { readonly key: string; readonly data: NumericArray }>;

/** What reading a field needs besides the plan. */
export interface ReadContext {
  readonly bytes: PageSource;
  readonly clusters: readonly ClusterDescriptor[];
  /** Entry boundaries of the clusters: `[0, …, entries]`. */
  readonly starts: readonly number[];
  readonly cache?: PageCache;
  /** Pages decoded during this read (the fields of one collection share its index column). */
  readonly decoded?: Map<string, NumericArray>;
  /** Collection offsets computed during this read, by index column and range. */
  readonly collections?: Map<string, CollectionRange>;
  readonly stats?: PageStats;
}

type Target = ColumnKind | 'index';

function malformed(ctx: ReadContext, field: string, message: string): IoError {
  return new IoError('E_IO_MALFORMED', `${message} (field ${field} in ${ctx.bytes.path})`, { path: ctx.bytes.path, branch: field });
}

const COMPATIBLE: Record<ColumnEncoding['value'], (t: Target) => boolean> = {
  bit: (t) => t === 'bool',
  int: (t) => t !== 'bool' && t !== 'index' && !t.startsWith('float'),
  uint: (t) => t !== 'bool' && t !== 'index' && !t.startsWith('float'),
  float: (t) => t === 'float32' || t === 'float64',
  index: (t) => t === 'index',
};

/**
 * The column of `choice` (one per representation) that holds cluster `k`'s data, with its range:
 * a field may switch representation between clusters (say, from Real32 to Real32Trunc), and
 * the page list then marks the other representations suppressed in each cluster.
 */
function pick(ctx: ReadContext, choice: readonly ColumnDescriptor[], k: number, field: string): { column: ColumnDescriptor; range: ColumnRange } {
  let found: { column: ColumnDescriptor; range: ColumnRange } | undefined;
  for (const column of choice) {
    const range = ctx.clusters[k]!.columns[column.id];
    if (!range) throw malformed(ctx, field, `Expected cluster ${k} to list the pages of column ${column.id}, got none`);
    if (range.suppressed) continue;
    // Of several unsuppressed representations, the one that holds pages holds the data.
    if (!found || (found.range.pages.length === 0 && range.pages.length > 0)) found = { column, range };
  }
  if (!found) throw malformed(ctx, field, `Expected a representation of field ${field} that is not suppressed in cluster ${k}, got none`);
  if (found.column.firstElement > 0) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected field ${field} to be stored from the first entry on, got a column ` +
      `added by a late schema extension (deferred from element ${found.column.firstElement}) in ${ctx.bytes.path}`,
    { path: ctx.bytes.path, branch: field });
  }
  return found;
}

function ctorOf(target: Target): NumericArrayConstructor {
  return target === 'index' ? Float64Array : KIND_CODECS[target].ctor;
}

/** Copies `src[a, b)` into `out` at `o`, converting between number and bigint arrays when they differ. */
function copyInto(out: NumericArray, o: number, src: NumericArray, a: number, b: number): void {
  if (out.constructor === src.constructor) {
    (out as Float64Array).set((src as Float64Array).subarray(a, b), o);
  } else if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = a; i < b; i++) out[o++] = BigInt(src[i] as number);
  } else {
    for (let i = a; i < b; i++) (out as Float64Array)[o++] = Number(src[i]);
  }
}

/**
 * Reads elements `[from, to)` (counted within cluster `k`) of a column as `target`, into `out`
 * from `at` when given (a column's output spans clusters), else into a new array.
 */
async function readElements(ctx: ReadContext, choice: readonly ColumnDescriptor[], k: number, from: number, to: number,
  target: Target, field: string, into?: NumericArray, at = 0): Promise<NumericArray> {
  const out = into ?? new (ctorOf(target))(to - from);
  if (to <= from) return out;
  const { column, range } = pick(ctx, choice, k, field);
  const encoding = encodingOf(column, ctx.bytes.path, field);
  if (!COMPATIBLE[encoding.value](target)) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected a column of field ${field} that decodes to ${target}, got a ` +
      `${encoding.name} column in ${ctx.bytes.path}`, { path: ctx.bytes.path, branch: field });
  }
  let pageStart = 0;
  for (let p = 0; p < range.pages.length && pageStart < to; p++) {
    const page = range.pages[p]!;
    const pageEnd = pageStart + page.elements;
    if (pageEnd > from) {
      const wide = target === 'float64';
      const key = `${k}/${p}${wide ? 'w' : ''}`;
      const hit = ctx.cache?.get(column.id);
      // Index pages are memoised for the read: every field of a collection reads them.
      const shared = target === 'index' ? ctx.decoded : undefined;
      let data = hit?.key === key ? hit.data : shared?.get(`${column.id}/${key}`);
      if (!data) {
        data = await loadPage(ctx.bytes, { column, encoding, page, wide, field, cluster: k, index: p }, ctx.stats);
        shared?.set(`${column.id}/${key}`, data);
      }
      // Keep a page this read ends inside of: the next chunk starts there.
      if (ctx.cache && to < pageEnd && hit?.key !== key) ctx.cache.set(column.id, { key, data });
      const a = Math.max(from, pageStart);
      const b = Math.min(to, pageEnd);
      copyInto(out, at + a - from, data, a - pageStart, b - pageStart);
    }
    pageStart = pageEnd;
  }
  if (pageStart < to) {
    throw malformed(ctx, field, `Expected column ${column.id} to hold elements up to ${to} in cluster ${k}, its pages hold ${pageStart}`);
  }
  return out;
}

/** Index of the cluster holding `entry`. */
export function clusterOf(starts: readonly number[], entry: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= entry) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Each cluster overlapping `[start, stop)` with its entries there, counted within the cluster. */
export function* clusterSpans(starts: readonly number[], start: number, stop: number): Generator<{ k: number; lo: number; hi: number }> {
  if (stop <= start) return;
  for (let k = clusterOf(starts, start); k < starts.length - 1 && starts[k]! < stop; k++) {
    const c0 = starts[k]!;
    yield { k, lo: Math.max(start, c0) - c0, hi: Math.min(stop, starts[k + 1]!) - c0 };
  }
}


/**
 * Reads entries `[start, stop)` of a planned field: a typed array for a flat field or a
 * cardinality, `{offsets, values}` for a collection (offsets rebuilt across clusters from the
 * per-cluster index column) or a fixed-size array.
 */
export async function readField(ctx: ReadContext, plan: FieldPlan, start: number, stop: number): Promise<Column> {
  const n = stop - start;
  if (plan.shape === 'flat' || plan.shape === 'fixed') {
    const per = plan.shape === 'fixed' ? plan.fixed! : 1;
    const values = new (ctorOf(plan.kind))(n * per);
    let at = 0;
    for (const { k, lo, hi } of clusterSpans(ctx.starts, start, stop)) {
      await readElements(ctx, plan.values!, k, lo * per, hi * per, plan.kind, plan.name, values, at);
      at += (hi - lo) * per;
    }
    if (plan.shape === 'flat') return values;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = i * per;
    return { offsets, values };
  }
  const { offsets, items } = await collectionOffsets(ctx, plan, start, stop);
  if (plan.shape === 'jagged') {
    const values = new (ctorOf(plan.kind))(offsets[n]!);
    let at = 0;
    for (const { k, first, last } of items) {
      await readElements(ctx, plan.values!, k, first, last, plan.kind, plan.name, values, at);
      at += last - first;
    }
    // A copy per field: columns must not share buffers (a transfer list may not name one twice).
    return { offsets: offsets.slice(), values };
  }
  if (plan.kind === 'uint64') return BigUint64Array.from({ length: n }, (_, i) => BigInt(offsets[i + 1]! - offsets[i]!));
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[i] = offsets[i + 1]! - offsets[i]!;
  return counts;
}

/** A collection's offsets over a read's entries, and the items each cluster contributes. */
interface CollectionRange {
  readonly offsets: Int32Array;
  readonly items: readonly { k: number; first: number; last: number }[];
}

/**
 * The offsets of a collection over `[start, stop)`, from its index column (each element the end
 * of an entry's items within its cluster), computed once per read for all the fields that share
 * the collection (NanoAOD's `nMuon`, `Muon_pt`, `Muon_eta`, …).
 */
async function collectionOffsets(ctx: ReadContext, plan: FieldPlan, start: number, stop: number): Promise<CollectionRange> {
  const key = `${plan.index!.map((c) => c.id).join(',')}:${start}:${stop}`;
  const known = ctx.collections?.get(key);
  if (known) return known;
  const offsets = new Int32Array(stop - start + 1);
  const items: { k: number; first: number; last: number }[] = [];
  let total = 0;
  let o = 0;
  for (const { k, lo, hi } of clusterSpans(ctx.starts, start, stop)) {
    const from = lo > 0 ? lo - 1 : 0;
    const index = await readElements(ctx, plan.index!, k, from, hi, 'index', plan.name) as Float64Array;
    let prev = lo > 0 ? index[0]! : 0;
    const first = prev;
    for (let i = lo > 0 ? 1 : 0; i < index.length; i++) {
      const end = index[i]!;
      if (end < prev) throw malformed(ctx, plan.name, `Expected non-decreasing collection offsets in cluster ${k}, got ${end} after ${prev}`);
      total += end - prev;
      offsets[++o] = total;
      prev = end;
    }
    if (total > 0x7fffffff) throw malformed(ctx, plan.name, `Expected fewer than 2^31 items in one read, got ${total}`);
    items.push({ k, first, last: prev });
  }
  const range = { offsets, items };
  ctx.collections?.set(key, range);
  return range;
}

/** The stored byte ranges of the pages a read of `plans` over `[start, stop)` touches (whole clusters of each column). */
export function neededRanges(ctx: Omit<ReadContext, 'bytes'>, plans: readonly FieldPlan[], start: number, stop: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (const { k } of clusterSpans(ctx.starts, start, stop)) {
    const seen = new Set<number>();
    for (const plan of plans) {
      for (const column of [...plan.index ?? [], ...(plan.shape === 'cardinality' ? [] : plan.values ?? [])]) {
        const range = ctx.clusters[k]!.columns[column.id];
        if (!range || range.suppressed || seen.has(column.id)) continue;
        seen.add(column.id);
        const cached = ctx.cache?.get(column.id)?.key;
        for (let p = 0; p < range.pages.length; p++) {
          const page = range.pages[p]!;
          if (cached === `${k}/${p}` || cached === `${k}/${p}w`) continue;
          ranges.push({ position: page.locator.offset, length: page.locator.size + (page.checksum ? 8 : 0) });
        }
      }
    }
  }
  return ranges;
}
