import { IoError } from '../errors.ts';
import type { BranchInfo } from '../source.ts';
import { parseAnchor, type RNTupleAnchor } from './anchor.ts';
import { loadXxh3 } from './checksum.ts';
import { parseFooter, parseHeader, parsePageList, type ClusterDescriptor } from './descriptor.ts';
import { readBlob, type EnvelopeSource } from './envelope.ts';
import { mapFields, type FieldMap } from './fields.ts';

/** Everything cortado keeps of an RNTuple's metadata: enough to read any field. */
export interface RNTupleMeta {
  readonly name: string;
  readonly writer: string;
  readonly anchor: RNTupleAnchor;
  readonly entries: number;
  readonly clusters: readonly ClusterDescriptor[];
  /** Entry boundaries of the clusters: `[0, …, entries]`. */
  readonly starts: readonly number[];
  readonly fields: FieldMap;
  /** The readable fields as branches, in schema order. */
  readonly branches: readonly BranchInfo[];
}

/**
 * Reads an RNTuple's metadata from its anchor object (the decompressed payload of its key): the
 * header and footer envelopes, and the page list of every cluster group, each verified against
 * its XXH3 checksum. Clusters must tile the entries without gaps (`E_IO_MALFORMED` otherwise).
 */
export async function readRNTupleMeta(file: EnvelopeSource, object: Uint8Array, name: string): Promise<RNTupleMeta> {
  await loadXxh3();
  const path = file.path;
  const anchor = parseAnchor(object, path, name);
  if (anchor.nbytesHeader > anchor.maxKeySize || anchor.nbytesFooter > anchor.maxKeySize) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected header and footer envelopes within one key (at most ${anchor.maxKeySize} ` +
      `bytes), got ${Math.max(anchor.nbytesHeader, anchor.nbytesFooter)} bytes split over several keys in ${path}`, { path, treename: name });
  }
  const header = parseHeader(await readBlob(file, anchor.seekHeader, anchor.nbytesHeader, anchor.lenHeader, 'the RNTuple header'), path);
  const footer = parseFooter(await readBlob(file, anchor.seekFooter, anchor.nbytesFooter, anchor.lenFooter, 'the RNTuple footer'), path, header);
  const clusters: ClusterDescriptor[] = [];
  for (const [g, group] of footer.groups.entries()) {
    const { locator, length } = group.pageList;
    const list = parsePageList(await readBlob(file, locator.offset, locator.size, length, `the page list of cluster group ${g}`), path, header);
    if (list.length !== group.clusterCount) {
      throw new IoError('E_IO_MALFORMED', `Expected ${group.clusterCount} clusters in the page list of cluster group ${g}, ` +
        `got ${list.length} (${path})`, { path, treename: name });
    }
    clusters.push(...list);
  }
  clusters.sort((a, b) => a.firstEntry - b.firstEntry);
  const starts = [0];
  for (const [k, c] of clusters.entries()) {
    if (c.firstEntry !== starts[k]) {
      throw new IoError('E_IO_MALFORMED', `Expected cluster ${k} of RNTuple ${name} to start at entry ${starts[k]}, got ` +
        `${c.firstEntry} (${path})`, { path, treename: name });
    }
    starts.push(c.firstEntry + c.entries);
  }
  for (const [k, c] of clusters.entries()) {
    if (c.columns.length > footer.columns.length) {
      throw new IoError('E_IO_MALFORMED', `Expected page ranges for at most the ${footer.columns.length} columns of the schema in cluster ${k}, ` +
        `got ${c.columns.length} (${path})`, { path, treename: name });
    }
  }
  const fields = mapFields(footer.fields, footer.columns, footer.aliases);
  const branches: BranchInfo[] = [...fields.plans.values()].map((p) => ({
    name: p.name, kind: p.kind, jagged: p.shape === 'jagged' || p.shape === 'fixed', ...(p.counter ? { counter: p.counter } : {}),
  }));
  return { name, writer: header.writer, anchor, entries: starts[starts.length - 1]!, clusters, starts, fields, branches };
}
