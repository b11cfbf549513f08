import { IoError } from '../errors.ts';
import type { BranchInfo } from '../source.ts';
import type { TreeMeta, TreeSeed } from './cache.ts';
import { clusterBoundaries, type ClusterFields } from './clusters.ts';
import { LazyLayouts } from './lazy-layouts.ts';
import { UnknownVersion } from './members.ts';
import { asMalformed } from './records.ts';
import type { StreamerInfo } from './streamers.ts';
import { readTreeRecord, type TreeRecord } from './tree-record.ts';

/** Where a tree record comes from, for {@link readTreeMeta}. */
export interface TreeSource {
  /** The file's path, for messages. */
  readonly path: string;
  /** The tree's path in the file (`dir/Events`). */
  readonly name: string;
  readonly className: string;
  /**
   * The decompressed record and its key length (tags count from the key's start); a function
   * decompresses it when first needed (a tree opened from a seed that kept the compressed record).
   */
  readonly bytes: Uint8Array | (() => Uint8Array);
  readonly keylen: number;
  /** The compressed record, when it decompresses synchronously: kept in the tree's seed. */
  readonly body?: Uint8Array;
  /** The file's streamer info, loaded when a class version is not built in. */
  readonly streamers: () => Promise<ReadonlyMap<string, StreamerInfo>>;
}

/** The decompressed record, decompressed now when it was left for later (and counted). */
function recordBytes(source: TreeSource): Uint8Array {
  if (typeof source.bytes !== 'function') return source.bytes;
  records.read++;
  return source.bytes();
}

function parse(source: TreeSource, infos: ReadonlyMap<string, StreamerInfo> | undefined): TreeRecord {
  try {
    return readTreeRecord(recordBytes(source), source.keylen, source.className, infos);
  } catch (error) {
    if (error instanceof UnknownVersion) throw error;
    throw asMalformed(error, source.path, `a readable ${source.className} ${source.name}`);
  }
}

/** Tree records read (decompressed) and parsed on this thread. */
const records = { read: 0, parsed: 0 };

/**
 * @internal Tree records read (decompressed) and parsed on this thread so far: a tree opened
 * from a {@link TreeSeed} does neither until asked for something its seed lacks (tests).
 */
export function treeRecordCounts(): { read: number; parsed: number } {
  return { ...records };
}

/** The cluster fields of a record, without the rest (a seed keeps only these). */
function clusterFields(record: TreeRecord): ClusterFields {
  return {
    fEntries: record.fEntries,
    ...(record.fAutoFlush !== undefined ? { fAutoFlush: record.fAutoFlush } : {}),
    ...(record.fNClusterRange !== undefined ? { fNClusterRange: record.fNClusterRange } : {}),
    ...(record.fClusterRangeEnd ? { fClusterRangeEnd: record.fClusterRangeEnd } : {}),
    ...(record.fClusterSize ? { fClusterSize: record.fClusterSize } : {}),
  };
}

/**
 * Parses a TTree record (only the tree and its branch names: each branch is read when its
 * layout is first asked for) and keeps what reading needs (see {@link TreeMeta}). The file's
 * streamer info is read only for class versions cortado does not carry, or for trees of
 * object branches (whose Double32 ranges and array shapes it holds). A version neither knows
 * throws `E_IO_UNSUPPORTED` naming the class and version.
 *
 * With `seed` (what an earlier open of the same file kept, see {@link TreeMeta.seed}), the
 * record is parsed only when something the seed lacks is asked for: a branch not described
 * before, every branch, or cluster boundaries not computed before; `source.bytes` may then be a
function, which decompresses the record only then.
 */
export async function readTreeMeta(source: TreeSource, seed?: TreeSeed): Promise<TreeMeta> {
  if (typeof source.bytes !== 'function') records.read++;
  if (seed) {
    const layouts = new LazyLayouts(() => {
      records.parsed++;
      try {
        return parse(source, undefined);
      } catch (error) {
        throw asMalformed(error, source.path, `the ${source.className} ${source.name} parsed when first opened`);
      }
    }, undefined, { path: source.path, tree: source.name }, seed.layouts);
    return treeMeta(source, seed.fields, layouts, seed.clusters);
  }
  let infos: ReadonlyMap<string, StreamerInfo> | undefined;
  let record: TreeRecord;
  records.parsed++;
  try {
    record = parse(source, undefined);
  } catch (error) {
    if (!(error instanceof UnknownVersion)) throw error;
    try {
      infos = await source.streamers();
    } catch (cause) {
      throw new IoError('E_IO_UNSUPPORTED', `Expected ${source.name} in ${source.path} to use class versions cortado ` +
        `describes, got ${error.className} version ${error.version}, and the file's streamer info, which would describe ` +
        `it, could not be read: ${(cause as Error).message}`, { path: source.path, treename: source.name }, { cause });
    }
    try {
      record = parse(source, infos);
    } catch (again) {
      if (!(again instanceof UnknownVersion)) throw again;
      throw new IoError('E_IO_UNSUPPORTED', `Expected ${source.name} in ${source.path} to use class versions cortado or ` +
        `the file's streamer info describe, got ${again.className} version ${again.version}`,
      { path: source.path, treename: source.name }, { cause: again });
    }
  }
  // Object branches use the streamer info for Double32 ranges and array shapes only: a record
  // cortado cannot parse leaves those branches to report what they lack, not the whole tree.
  let unread = false;
  if (!infos && record.stubs.some((s) => s._class !== 'TBranch')) {
    infos = await source.streamers().catch(() => {
      unread = true;
      return undefined;
    });
  }
  const layouts = new LazyLayouts(record, infos, { path: source.path, tree: source.name });
  // Described without the streamer info it wanted (a read that failed, perhaps only this once): no
  // seed, whose opens would never read it again; once dropped, the file is parsed afresh.
  return treeMeta(source, clusterFields(record), layouts, undefined, !unread);
}

function treeMeta(source: TreeSource, fields: ClusterFields, layouts: LazyLayouts, known?: readonly number[], seedable = true): TreeMeta {
  let clusters = known;
  return {
    name: source.name,
    entries: fields.fEntries,
    // without cluster ranges in the header this reads every branch's basket map: done only when asked for
    get clusters(): readonly number[] {
      try {
        clusters ??= clusterBoundaries(fields, layouts);
      } catch (error) {
        throw asMalformed(error, source.path, `cluster boundaries of ${source.className} ${source.name}`);
      }
      return clusters;
    },
    layouts,
    get branches(): readonly BranchInfo[] {
      return layouts.infos();
    },
    async prepare(): Promise<void> {
      if (layouts.wantsStreamers && !layouts.hasStreamers) layouts.setStreamers(await source.streamers());
    },
    seed(): TreeSeed | undefined {
      // Layouts described with the file's streamer info (or waiting for it) would differ from a
      // record parsed again without it: such trees are parsed again instead.
      if (!seedable || layouts.hasStreamers || layouts.wantsStreamers) return undefined;
      return { fields, ...(clusters ? { clusters } : {}), layouts: layouts.known(), ...(source.body ? { body: source.body } : {}) };
    },
  };
}
