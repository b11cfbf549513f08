import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { z } from 'zod';
import { dataGroupSchema, type DataGroupSpec } from '../io/dataset/schema.ts';
import { peekCheckpoint } from '../journal/journal-checkpoint.ts';
import type { JsonValue } from '../results/serialize.ts';
import { CliUsageError } from './errors.ts';
import type { RunFile, SavedFailure } from './run-file.ts';

/**
 * What `cortado run` keeps in its journal folder besides the results: everything needed to
 * resume when the process died before it could write the result file.
 */
export interface RunJournalMeta {
  readonly type: 'cortado.RunJournal';
  /** Identifies the run; the result file it writes carries the same `runId`. */
  readonly runId: string;
  /** The `runId` of the result file this run resumed, or null for a fresh run. */
  readonly baseRunId: string | null;
  readonly processor: { readonly module: string; readonly exportName: string };
  readonly fileset: string | null;
  readonly options: { readonly stepSize?: number; readonly maxChunks?: number };
  readonly parts: readonly DataGroupSpec[];
  /** Files that could not be prepared (they go to the result file's `failed`). */
  readonly prepareFailed: readonly SavedFailure[];
  readonly startedAt: string;
}

const metaSchema = z.object({
  type: z.literal('cortado.RunJournal'),
  runId: z.string().min(1),
  baseRunId: z.string().nullable(),
  processor: z.object({ module: z.string().min(1), exportName: z.string().min(1) }),
  fileset: z.string().nullable(),
  options: z.object({ stepSize: z.number().int().min(1).optional(), maxChunks: z.number().int().min(1).optional() }),
  parts: z.array(dataGroupSchema).min(1),
  prepareFailed: z.array(z.any()),
  startedAt: z.string(),
});

/** The journal folder of a result file: `<out>.journal`, beside it. */
export function journalPathOf(out: string): string {
  return `${out}.journal`;
}

/** A new run id. */
export function newRunId(): string {
  return randomUUID();
}

/** The run header in a journal folder, or `undefined` when there is no journal there. */
export function readRunJournal(path: string): RunJournalMeta | undefined {
  if (!existsSync(path)) return undefined;
  const peeked = peekCheckpoint(path);
  if (peeked === undefined) return undefined;
  const parsed = metaSchema.safeParse(peeked.meta);
  if (!parsed.success) throw new CliUsageError(`The folder ${path} is not the journal of a \`cortado run\` (its snapshot has no run header); move or delete it`);
  return parsed.data as RunJournalMeta;
}

/** What a resume continues: the saved result file, the journal of a run that died, or both. */
export interface ResumePoint {
  readonly saved: RunFile | undefined;
  readonly journal: RunJournalMeta | undefined;
  /** A note for the user (e.g. an older result file was set aside for the journal). */
  readonly note?: string;
}

/**
 * Decides what `--resume <file>` continues, given the result file (if any) and its journal (if
 * any). A journal whose run already wrote the result file is obsolete and removed; a journal of
 * a fresh run wins over an older result file at the same path; a journal that continues another
 * result file than the one there is refused.
 */
export function resumePoint(resume: string, saved: RunFile | undefined, journalPath: string, journal: RunJournalMeta | undefined): ResumePoint {
  if (journal !== undefined && saved !== undefined && saved.runId === journal.runId) {
    rmSync(journalPath, { recursive: true, force: true });
    return { saved, journal: undefined };
  }
  if (journal === undefined) {
    if (saved === undefined) throw new CliUsageError(`Expected a result file written by \`cortado run\` at ${resume}, got no such file (and no journal ${journalPath})`);
    return { saved, journal: undefined };
  }
  if (journal.baseRunId === null) {
    return {
      saved: undefined,
      journal,
      ...(saved === undefined ? {} : { note: `${resume} is from an earlier run; resuming the run that died while writing to it (journal ${journalPath})` }),
    };
  }
  if (saved === undefined || saved.runId !== journal.baseRunId) {
    throw new CliUsageError(
      `The journal ${journalPath} continues another result file than ${resume} (run ${journal.baseRunId}, the file is run ${saved?.runId ?? '(missing)'}): ` +
        `put that file back, or delete the journal folder to resume from ${resume} alone`,
    );
  }
  return { saved, journal };
}

/** The meta a new journal starts with. */
export function journalMeta(fields: Omit<RunJournalMeta, 'type' | 'runId' | 'startedAt'> & { startedAt: Date }): RunJournalMeta {
  return { type: 'cortado.RunJournal', runId: newRunId(), ...fields, startedAt: fields.startedAt.toISOString() };
}

/** The meta as the journal stores it (JSON). */
export function metaJson(meta: RunJournalMeta): JsonValue {
  return JSON.parse(JSON.stringify(meta)) as JsonValue;
}
