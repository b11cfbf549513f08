import { readFileSync } from 'node:fs';
import type { ProcessorCodes } from '../protocol/processor-code.ts';
import { RangeSet, formatRange, type Range } from '../protocol/range.ts';
import { serializeResult, type JsonValue, type SerializedResult } from '../results/serialize.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { CheckpointError } from './errors.ts';

/** The snapshot file of a checkpoint folder: everything compacted so far, written atomically. */
export interface SnapshotFile {
  readonly type: 'cortado.Checkpoint';
  readonly version: 1;
  /** Key of the computable: a checkpoint restores only the same computation. */
  readonly key: string;
  readonly size: number;
  /** The computable's processor code (`Computable.code`): a checkpoint restores only the same code. */
  readonly code?: ProcessorCodes;
  /** Which journal continues this snapshot: a journal of another generation is obsolete. */
  readonly generation: number;
  /** Whatever the caller stored with the checkpoint (the CLI keeps its run header here). */
  readonly meta: JsonValue;
  readonly completed: Array<[number, number]>;
  /** `[group, result]` pairs; `null` is the ungrouped result. */
  readonly results: Array<[string | null, SerializedResult]>;
  /** Groups let go of (`releaseGroups`): complete, their result kept elsewhere. */
  readonly released?: string[];
  readonly savedAt: string;
}

/** What identifies a checkpoint's computation, and the caller's meta. */
export interface CheckpointHeader {
  readonly key: string;
  readonly size: number;
  readonly code: ProcessorCodes | undefined;
  meta: JsonValue;
}

/** Live state folded from a snapshot and journal records. */
export interface FoldedState {
  readonly completed: RangeSet;
  readonly results: Map<string | undefined, unknown>;
  /** Groups let go of: no result held for them. */
  readonly released: Set<string>;
}

/** Writes `state` as the snapshot of generation `generation`, atomically. */
export function writeSnapshot(path: string, header: CheckpointHeader, generation: number, state: FoldedState, sync = true): void {
  const file: SnapshotFile = {
    type: 'cortado.Checkpoint',
    version: 1,
    key: header.key,
    size: header.size,
    ...(header.code === undefined ? {} : { code: header.code }),
    generation,
    meta: header.meta,
    completed: state.completed.toArray(),
    results: [...state.results].map(([group, value]) => [group ?? null, serializeResult(value)]),
    ...(state.released.size === 0 ? {} : { released: [...state.released] }),
    savedAt: new Date().toISOString(),
  };
  writeFileAtomic(path, JSON.stringify(file), 'the checkpoint snapshot', { sync });
}

/** Reads and checks a snapshot file; `undefined` when there is none. */
export function readSnapshot(path: string): SnapshotFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new CheckpointError('E_CHECKPOINT_INVALID', path, `Could not read the checkpoint snapshot ${path}: ${(error as Error).message}`, { cause: error });
  }
  const invalid = (what: string, cause?: unknown) =>
    new CheckpointError('E_CHECKPOINT_INVALID', path, `The checkpoint snapshot ${path} is damaged: ${what}; delete its folder to start afresh`, cause === undefined ? undefined : { cause });
  let json: Partial<SnapshotFile>;
  try {
    json = JSON.parse(text) as Partial<SnapshotFile>;
  } catch (error) {
    // Written by rename, so a torn snapshot cannot happen; this file was changed by something else.
    throw invalid('it is not JSON', error);
  }
  if (json?.type !== 'cortado.Checkpoint' || json.version !== 1) throw invalid('it is not a cortado checkpoint (expected type cortado.Checkpoint, version 1)');
  if (typeof json.key !== 'string' || !Number.isInteger(json.size) || !Number.isInteger(json.generation) || !Array.isArray(json.completed) || !Array.isArray(json.results)) {
    throw invalid('expected key, size, generation, completed and results');
  }
  if (json.released !== undefined && !(Array.isArray(json.released) && json.released.every((g) => typeof g === 'string'))) throw invalid('expected released to be a list of group names');
  return json as SnapshotFile;
}

/** Checks ranges against `size` and adds them to `into`, or says what is wrong. */
export function addRanges(into: RangeSet, ranges: unknown, size: number): string | undefined {
  if (!Array.isArray(ranges)) return `expected a list of ranges, got ${JSON.stringify(ranges)?.slice(0, 80)}`;
  for (const range of ranges as unknown[]) {
    if (!Array.isArray(range) || range.length !== 2 || !Number.isInteger(range[0]) || !Number.isInteger(range[1])) return `expected a [start, stop] pair, got ${JSON.stringify(range)?.slice(0, 80)}`;
    const [start, stop] = range as [number, number];
    if (!(start >= 0 && start < stop)) return `range ${formatRange([start, stop])} is empty or inverted`;
    if (stop > size) return `range ${formatRange([start, stop])} lies beyond the computable's size ${size}`;
    try {
      into.add([start, stop] as Range);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}
