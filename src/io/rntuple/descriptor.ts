import { IoError } from '../errors.ts';
import { hex } from './anchor.ts';
import type { Cursor } from './cursor.ts';
import { ENVELOPE, openEnvelope, readEnvelopeLink, readFeatureFlags, readLocator, type EnvelopeLink, type Locator } from './envelope.ts';
import { readList, readRecord } from './frames.ts';
import { readSchemaPart, type AliasColumn, type ColumnDescriptor, type FieldDescriptor } from './schema-frames.ts';

/** What the header envelope holds. */
export interface RNTupleHeader {
  readonly name: string;
  readonly description: string;
  /** The library that wrote the file (`ROOT v6.34.00`). */
  readonly writer: string;
  readonly fields: FieldDescriptor[];
  readonly columns: ColumnDescriptor[];
  readonly aliases: AliasColumn[];
  /** XXH3 of the header envelope: the footer and page lists repeat it. */
  readonly checksum: bigint;
}

/** A cluster group: a run of clusters whose page locations share one page-list envelope. */
export interface ClusterGroup {
  readonly minEntry: number;
  readonly entrySpan: number;
  readonly clusterCount: number;
  readonly pageList: EnvelopeLink;
}

/** Parses the header envelope: format features, names, then the schema (fields and columns). */
export function parseHeader(bytes: Uint8Array, path: string): RNTupleHeader {
  const { cursor, checksum } = openEnvelope(bytes, ENVELOPE.header, path);
  readFeatureFlags(cursor);
  const name = cursor.string('the RNTuple name');
  const description = cursor.string('the description');
  const writer = cursor.string('the writer');
  const schema = readSchemaPart(cursor, 0, 0);
  return { name, description, writer, ...schema, checksum };
}

function checkHeaderChecksum(cur: Cursor, header: RNTupleHeader): void {
  const stored = cur.u64big('the header checksum');
  if (stored !== header.checksum) {
    throw new IoError('E_IO_MALFORMED', `Expected ${cur.what} of ${cur.path} to name header checksum ${hex(header.checksum)}, ` +
      `got ${hex(stored)}: it belongs to another RNTuple`, { path: cur.path });
  }
}

/**
 * Parses the footer envelope into the schema extension (fields and columns added after the
 * header was written; appended to `header`'s lists) and the cluster groups.
 */
export function parseFooter(bytes: Uint8Array, path: string, header: RNTupleHeader): { fields: FieldDescriptor[]; columns: ColumnDescriptor[]; aliases: AliasColumn[]; groups: ClusterGroup[] } {
  const { cursor } = openEnvelope(bytes, ENVELOPE.footer, path);
  readFeatureFlags(cursor);
  checkHeaderChecksum(cursor, header);
  const extension = readRecord(cursor, 'the schema extension', (c) => readSchemaPart(c, header.fields.length, header.columns.length));
  const groups = readList(cursor, 'the cluster group list', (c, i) => readRecord(c, `cluster group ${i}`, (r) => ({
    minEntry: r.u64('a first entry'),
    entrySpan: r.u64('an entry span'),
    clusterCount: r.u32(),
    pageList: readEnvelopeLink(r, `the page list of cluster group ${i}`),
  })));
  return {
    fields: [...header.fields, ...extension.fields],
    columns: [...header.columns, ...extension.columns],
    aliases: [...header.aliases, ...extension.aliases],
    groups,
  };
}

/** Where one page is stored, how many elements it holds, and whether a checksum follows it. */
export interface PageLocation {
  readonly elements: number;
  readonly locator: Locator;
  readonly checksum: boolean;
}

/** The pages of one column in one cluster. */
export interface ColumnRange {
  /** Index of the column's first element of this cluster, counted over the whole RNTuple. */
  readonly firstElement: number;
  /** ROOT compression settings (`505` = ZSTD level 5); 0 stores pages raw. */
  readonly compression: number;
  /** A column suppressed in this cluster (another representation holds the data). */
  readonly suppressed: boolean;
  readonly pages: PageLocation[];
}

/** One cluster: its entries and, per physical column id, its pages. */
export interface ClusterDescriptor {
  readonly firstEntry: number;
  readonly entries: number;
  readonly columns: ColumnRange[];
}

/** Parses a page-list envelope: the summaries of its clusters and their page locations. */
export function parsePageList(bytes: Uint8Array, path: string, header: RNTupleHeader): ClusterDescriptor[] {
  const { cursor } = openEnvelope(bytes, ENVELOPE.pageList, path);
  checkHeaderChecksum(cursor, header);
  const summaries = readList(cursor, 'the cluster summaries', (c, i) => readRecord(c, `cluster summary ${i}`, (r) => {
    const firstEntry = r.u64('a first entry');
    const word = r.u64big('an entry count');
    if ((word >> 56n) & 1n) {
      throw new IoError('E_IO_UNSUPPORTED', `Expected unsharded clusters, got a sharded cluster ${i} in ${c.what} of ${path}`, { path });
    }
    return { firstEntry, entries: Number(word & 0x00ffffffffffffffn) };
  }));
  const clusters = readList(cursor, 'the page locations', (c, k) => readList(c, `the columns of cluster ${k}`, (cc, col) => {
    let firstElement = 0;
    let compression = 0;
    let suppressed = false;
    const pages = readList(cc, `the pages of column ${col} in cluster ${k}`, (p, n) => {
      const signed = p.i32('a page element count');
      return { elements: Math.abs(signed), checksum: signed < 0, locator: readLocator(p, `page ${n} of column ${col}`) };
    }, (t) => {
      firstElement = t.i64('an element offset');
      suppressed = firstElement < 0;
      if (!suppressed) compression = t.u32();
    });
    return { firstElement, compression, suppressed, pages };
  }));
  if (clusters.length !== summaries.length) {
    throw cursor.malformed(`Expected page locations for each of the ${summaries.length} clusters, got ${clusters.length}`);
  }
  return summaries.map((s, i) => ({ ...s, columns: clusters[i]! }));
}
