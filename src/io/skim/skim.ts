import { resolve } from 'node:path';
import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { formatIssues } from '../../protocol/policy.ts';
import type { ProcessorFn } from '../../protocol/processor.ts';
import type { Column } from '../columns.ts';
import type { EventsInput } from '../dataset/context.ts';
import type { Metadata } from '../dataset/schema.ts';
import { fastPageCompressors } from '../decompress/page-compressors.ts';
import { Events } from '../events/events.ts';
import { eventSelection } from '../events/masks.ts';
import { encodeParquet, kindOfArray, type EncodeParquetOptions, type SkimColumn } from './encode.ts';
import { SkimError } from './errors.ts';
import { skimFilePath } from './naming.ts';
import { checkSkimOutput, writeFileAtomically } from './output.ts';
import { SkimResult } from './result.ts';

/** Compression of skim files. */
export type SkimCompression = 'zstd' | 'snappy' | 'gzip' | 'lz4' | 'none';

/** Options of {@link skim}. */
export interface SkimOptions {
  /**
   * Folder the skim files go to, one subfolder per dataset. Checked (created, probed) when `skim()`
   * is called. @defaultValue the run's output, which travels with every chunk (`mapSteps(…, { output })`;
   * `cortado skim --out` sets it), so workers on other machines write there too; else the
   * `CORTADO_SKIM_OUT` environment variable
   */
  out?: string;
  /** File format. Only Parquet is written; ROOT output is not supported yet. @defaultValue 'parquet' */
  format?: 'parquet';
  /**
   * Columns to write: names or patterns with `*` (`'Muon_*'`). The counter of a collection
   * (`nMuon` for `Muon_pt`) is written with it. @defaultValue every column of the input
   */
  columns?: readonly string[];
  /** Page compression. @defaultValue 'zstd' */
  compression?: SkimCompression;
}

/** What a selector may return: a mask over the chunk's events (non-zero / true = keep), or the selected events themselves. */
export type SkimSelection = Uint8Array | readonly boolean[] | Events;

/** Chooses the events of a chunk to keep. */
export type SkimSelector<M extends object = Metadata> = (input: EventsInput<M>) => SkimSelection | Promise<SkimSelection>;

const optionsSchema = z.strictObject({
  out: z.string().min(1, 'expected a folder path').optional(),
  format: z.string().default('parquet'),
  columns: z.array(z.string().min(1)).min(1, 'expected at least one column or pattern').optional(),
  compression: z.enum(['zstd', 'snappy', 'gzip', 'lz4', 'none']).default('zstd'),
});

const CODECS: Record<SkimCompression, EncodeParquetOptions['codec']> = { zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', lz4: 'LZ4_RAW', none: 'UNCOMPRESSED' };

/**
 * Wraps a selector into a processor that writes each chunk's selected events to its own Parquet
 * file under `out/<dataset>/` and returns a {@link SkimResult} (the files written, with entry
 * counts). Files are written to a temporary name and renamed when complete, and named by dataset,
 * file and entry range, so a retried chunk overwrites its file rather than duplicating events.
 * Jagged NanoAOD collections become Parquet list columns with their counters (`nMuon`). A chunk
 * that selects nothing writes nothing (and still counts as done). ZSTD by default.
 *
 * `out` is checked when `skim()` is called (created, probed): an unwritable folder throws
 * `E_SKIM_OUT` before anything is computed. For the threads and cluster backends, export the
 * processor with `defineProcessor` so workers can load it.
 *
 * `M` is the metadata type of the skimmed datasets: given (`skim<{ xsec: number }>(…)`), taken from
 * the selector's `EventsInput<M>` annotation, or inferred from the group in `group.mapSteps(skim(…))`.
 * The result is a `SkimResult<M>`, whose `toDataGroup()` is a `DataGroup<M>` for the next pass.
 *
 * @example
 * ```ts
 * export const dimuons = defineProcessor(import.meta.url, 'dimuons', skim<{ xsec: number }>(
 *   ({ events }) => Uint8Array.from(events.Muon.counts, (n) => (n >= 2 ? 1 : 0)),
 *   { out: 'skims', columns: ['Muon_*', 'MET_pt'] },
 * ));
 * const written = await backend.compute(group.mapSteps(dimuons)).result();
 * const next = toDataGroup(written); // the input of the next pass: a DataGroup<{ xsec: number }>
 * ```
 */
export function skim<M extends object = Metadata>(selector: SkimSelector<M>, options: SkimOptions): ProcessorFn<EventsInput<M>, SkimResult<M>> {
  if (typeof selector !== 'function') throw new InvalidOptionsError(`Expected the skim selector to be a function, got ${typeof selector}`);
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid skim options: ${formatIssues('', parsed.error, options)}`);
  const { format, columns: patterns, compression } = parsed.data;
  if (format !== 'parquet') {
    throw new SkimError('E_SKIM_FORMAT', `Expected skim format 'parquet', got ${JSON.stringify(format)}: ${format === 'root' ? 'ROOT output is not supported yet' : 'cortado writes skims as Parquet only'}`);
  }
  const codec = CODECS[compression];
  const compress = codec === 'SNAPPY' || codec === 'UNCOMPRESSED' ? undefined : fastPageCompressors[codec];
  if (codec !== 'SNAPPY' && codec !== 'UNCOMPRESSED' && compress === undefined) {
    throw new SkimError('E_SKIM_FORMAT', `Compression '${compression}' is not available in this process (its compressor did not load); use 'zstd', 'gzip' or 'snappy'`);
  }
  // `out` given (or in the environment): checked now, before anything is computed. Otherwise the
  // folder comes with each chunk (context.output) and is checked once, on its first chunk here.
  const given = parsed.data.out ?? (process.env.CORTADO_SKIM_OUT || undefined);
  const fixed = given === undefined ? undefined : resolve(given);
  if (fixed !== undefined) checkSkimOutput(fixed);
  const checked = new Set<string>(fixed === undefined ? [] : [fixed]);
  const outFor = (context: EventsInput<M>['context']): string => {
    const from = parsed.data.out ?? context.output ?? fixed;
    if (from === undefined) {
      throw new SkimError('E_SKIM_OUT', 'Expected the skim output folder in `out`, in the run\'s output (`mapSteps(…, { output })`, as `cortado skim --out <dir>` sets it) or in CORTADO_SKIM_OUT, got none');
    }
    const out = resolve(from);
    if (!checked.has(out)) {
      checkSkimOutput(out);
      checked.add(out);
    }
    return out;
  };
  const matchers = patterns?.map(patternMatcher);

  return async (input) => {
    const { events, context } = input;
    const out = outFor(context);
    const selection = await selector(input);
    const scanned = { [context.dataset]: context.range.stop - context.range.start };
    const metadata = { [context.dataset]: context.metadata };
    const chosen = selected(events, selection, context.range);
    if (chosen.rows === 0) return new SkimResult({ files: [], scanned, metadata });
    const names = columnsToWrite(chosen.names, matchers, events);
    const columns: SkimColumn[] = names.map((name) => {
      const column = chosen.column(name);
      const values = ArrayBuffer.isView(column) ? column : column.values;
      return { name, column, kind: chosen.kindOf(name) ?? kindOfArray(values) };
    });
    const source = { path: context.file.path, treename: context.file.treename, start: context.range.start, stop: context.range.stop };
    const path = skimFilePath(out, { dataset: context.dataset, ...source });
    const bytes = encodeParquet(chosen.rows, columns, {
      codec,
      compress,
      metadata: { 'cortado.skim.dataset': context.dataset, 'cortado.skim.source': JSON.stringify(source) },
    });
    await writeFileAtomically(path, bytes);
    return new SkimResult({ files: [{ path, dataset: context.dataset, entries: chosen.rows, source }], scanned, metadata });
  };
}

interface Chosen {
  readonly rows: number;
  readonly names: readonly string[];
  column(name: string): Column;
  kindOf(name: string): ReturnType<Events['kindOf']>;
}

function selected(events: Events, selection: SkimSelection, range: { start: number; stop: number }): Chosen {
  if (selection instanceof Events) {
    return { rows: selection.length, names: selection.names, column: (n) => selection.column(n), kindOf: (n) => selection.kindOf(n) ?? events.kindOf(n) };
  }
  const isMask = selection instanceof Uint8Array || (Array.isArray(selection) && selection.every((v) => typeof v === 'boolean'));
  if (!isMask || selection.length !== events.length) {
    const got = isMask ? `a mask of ${selection.length} entries` : describe(selection);
    throw new SkimError(
      'E_SKIM_SELECTION',
      `The skim selector returned ${got} for entries [${range.start}, ${range.stop}); expected a Uint8Array or boolean[] of ${events.length} entries (one per event), or the selected Events`,
    );
  }
  const mask = selection instanceof Uint8Array ? selection : Uint8Array.from(selection as readonly boolean[], (b) => (b ? 1 : 0));
  const keep = eventSelection(mask);
  return { rows: keep.kept, names: events.names, column: (n) => keep(events.column(n)), kindOf: (n) => events.kindOf(n) };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  return `a ${(value as object).constructor?.name ?? 'object'}`;
}

function patternMatcher(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) return (name) => name === pattern;
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (name) => regex.test(name);
}

/** The columns to write, in the input's order: those matched, plus the counters of matched collections. */
function columnsToWrite(available: readonly string[], matchers: ReadonlyArray<(name: string) => boolean> | undefined, events: Events): string[] {
  if (matchers === undefined) return [...available];
  const wanted = new Set(available.filter((name) => matchers.some((m) => m(name))));
  for (const name of [...wanted]) {
    const underscore = name.indexOf('_');
    if (underscore > 0) {
      const counter = `n${name.slice(0, underscore)}`;
      if (!wanted.has(counter) && events.has(counter)) wanted.add(counter);
    }
  }
  if (wanted.size === 0) {
    throw new SkimError('E_SKIM_SELECTION', `No column of the input matches the skim's columns; the input has ${available.slice(0, 8).join(', ')}${available.length > 8 ? ', …' : ''}`);
  }
  return available.filter((name) => wanted.has(name));
}
