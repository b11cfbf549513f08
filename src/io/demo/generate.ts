import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { ColumnarParquetWriter, type ColumnSpec, type WritableColumn } from './columnar-writer.ts';
import { generateBlock, type DemoBlock, type DemoPhysics } from './physics.ts';
import { Random } from './random.ts';

const demoParquetSchema = z.object({
  /** Number of events to write. */
  events: z.number().int().min(0).default(100_000),
  /** Seed of the generator: the same seed writes the same file. */
  seed: z.number().int().default(1),
  /** Events per row group (the clusters a reader can read separately). */
  rowGroupSize: z.number().int().min(1).default(100_000),
  /** Fraction of events that are Z→μμ. */
  signalFraction: z.number().min(0).max(1).default(0.3),
  /** Fraction of events that are a Drell–Yan-like μμ continuum with a falling mass. */
  continuumFraction: z.number().min(0).max(1).default(0.15),
  /** Run number written in the `run` column. */
  run: z.number().int().min(0).default(1),
  /** Number of the first event in the `event` column. */
  firstEvent: z.number().int().min(0).default(1),
});

/** Options of {@link generateDemoParquet}. */
export interface DemoParquetOptions {
  /** Number of events to write. @defaultValue 100000 */
  events?: number;
  /** Seed of the generator: the same seed writes the same file. @defaultValue 1 */
  seed?: number;
  /** Events per row group (the clusters a reader can read separately). @defaultValue 100000 */
  rowGroupSize?: number;
  /** Fraction of events that are Z→μμ. @defaultValue 0.3 */
  signalFraction?: number;
  /** Fraction of events in a falling Drell–Yan-like μμ continuum. @defaultValue 0.15 */
  continuumFraction?: number;
  /** Run number written in the `run` column. @defaultValue 1 */
  run?: number;
  /** Number of the first event in the `event` column. @defaultValue 1 */
  firstEvent?: number;
  /** Called after each row group with the events of this file written so far. */
  onProgress?: (eventsWritten: number) => void;
}

/** The fully defaulted options of {@link generateDemoParquet}. */
export type ResolvedDemoParquetOptions = z.output<typeof demoParquetSchema>;

/** Validates and defaults demo-file options; bad options throw `InvalidOptionsError`. */
export function resolveDemoParquetOptions(options: DemoParquetOptions = {}): ResolvedDemoParquetOptions {
  const parsed = demoParquetSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidOptionsError(`Expected valid demo options: \`${issue.path.join('.')}\` ${issue.message}`, { cause: parsed.error });
  }
  if (parsed.data.signalFraction + parsed.data.continuumFraction > 1) {
    throw new InvalidOptionsError(
      `Expected \`signalFraction + continuumFraction\` to be at most 1, got ${parsed.data.signalFraction + parsed.data.continuumFraction}`,
    );
  }
  return parsed.data;
}

/** The columns of a demo file, NanoAOD names and types (Muon_* are lists counted by nMuon). */
export const DEMO_COLUMNS: readonly ColumnSpec[] = [
  { name: 'run', type: 'INT32', jagged: false },
  { name: 'event', type: 'INT64', jagged: false },
  { name: 'nMuon', type: 'INT32', jagged: false },
  { name: 'Muon_pt', type: 'FLOAT', jagged: true },
  { name: 'Muon_eta', type: 'FLOAT', jagged: true },
  { name: 'Muon_phi', type: 'FLOAT', jagged: true },
  { name: 'Muon_mass', type: 'FLOAT', jagged: true },
  { name: 'Muon_charge', type: 'INT32', jagged: true },
  { name: 'MET_pt', type: 'FLOAT', jagged: false },
];

/**
 * The {@link DEMO_COLUMNS} of one block of generated events, as a row group to write: `run`
 * constant, `event` numbered from `firstEvent`. Shared by the demo generator and the benchmarks
 * that write the same events in other codecs.
 *
 * @example
 * ```ts
 * const block = generateBlock(new Random(7), 1000, physics);
 * writer.writeGroup(1000, demoGroupColumns(block, 1, 1));
 * ```
 */
export function demoGroupColumns(block: DemoBlock, run: number, firstEvent: number): WritableColumn[] {
  const rows = block.events;
  const event = new BigInt64Array(rows);
  for (let i = 0; i < rows; i++) event[i] = BigInt(firstEvent + i);
  return [
    { name: 'run', type: 'INT32', values: new Int32Array(rows).fill(run) },
    { name: 'event', type: 'INT64', values: event },
    { name: 'nMuon', type: 'INT32', values: block.nMuon },
    { name: 'Muon_pt', type: 'FLOAT', values: block.pt, offsets: block.offsets },
    { name: 'Muon_eta', type: 'FLOAT', values: block.eta, offsets: block.offsets },
    { name: 'Muon_phi', type: 'FLOAT', values: block.phi, offsets: block.offsets },
    { name: 'Muon_mass', type: 'FLOAT', values: block.mass, offsets: block.offsets },
    { name: 'Muon_charge', type: 'INT32', values: block.charge, offsets: block.offsets },
    { name: 'MET_pt', type: 'FLOAT', values: block.metPt },
  ];
}

/** What a demo file holds. */
export interface DemoFileSummary {
  readonly path: string;
  readonly events: number;
  readonly muons: number;
  readonly rowGroups: number;
}

/**
 * Writes synthetic NanoAOD-like events as Parquet: a Z→μμ Breit–Wigner peak (91.1876 GeV,
 * width 2.4952) over a falling Drell–Yan-like continuum and soft single muons, with NanoAOD
 * acceptance (pt > 3 GeV, |eta| < 2.4). Deterministic for a seed; written in row groups.
 *
 * @example
 * ```ts
 * await generateDemoParquet('demo/dy.parquet', { events: 100_000, seed: 7 });
 * await using source = await openParquet('demo/dy.parquet');
 * ```
 */
export async function generateDemoParquet(path: string, options: DemoParquetOptions = {}): Promise<DemoFileSummary> {
  const resolved = resolveDemoParquetOptions(options);
  const physics: DemoPhysics = {
    signalFraction: resolved.signalFraction,
    continuumFraction: resolved.continuumFraction,
    continuumSlope: 25,
  };
  const rng = new Random(resolved.seed);
  const writer = new ColumnarParquetWriter(path, DEMO_COLUMNS);
  let muons = 0;
  let rowGroups = 0;
  for (let start = 0; start < resolved.events; start += resolved.rowGroupSize) {
    const rows = Math.min(resolved.rowGroupSize, resolved.events - start);
    const block = generateBlock(rng, rows, physics);
    writer.writeGroup(rows, demoGroupColumns(block, resolved.run, resolved.firstEvent + start));
    muons += block.pt.length;
    rowGroups++;
    options.onProgress?.(start + rows);
    // Let other work run between row groups (the encoder itself is synchronous).
    await new Promise<void>((done) => setImmediate(done));
  }
  writer.finish();
  return { path, events: resolved.events, muons, rowGroups };
}

/** Options of {@link generateDemoFileset}. */
export interface DemoFilesetOptions {
  /** Files per dataset. @defaultValue 2 */
  files?: number;
  /** Events per file. @defaultValue 100000 */
  eventsPerFile?: number;
  /** Base seed; each file gets its own seed derived from it. @defaultValue 1 */
  seed?: number;
  /** Called as files are written: events and files written so far, of how many. */
  onProgress?: (progress: { eventsWritten: number; eventsTotal: number; filesWritten: number; filesTotal: number }) => void;
}

/** A coffea-style fileset: dataset → `{ files: { path: treename } }`. */
export type DemoFileset = Record<string, { files: Record<string, string>; metadata?: Record<string, unknown> }>;

/** What {@link generateDemoFileset} wrote. */
export interface DemoFilesetSummary {
  /** Absolute path of the fileset JSON. */
  readonly filesetPath: string;
  readonly fileset: DemoFileset;
  readonly files: readonly DemoFileSummary[];
}

const filesetSchema = z.object({
  files: z.number().int().min(1).default(2),
  eventsPerFile: z.number().int().min(0).default(100_000),
  seed: z.number().int().default(1),
});

// Two datasets: simulated Z+jets (a strong peak) and "data" (a weaker peak over more continuum).
const DATASETS = [
  { name: 'DYJetsToLL', prefix: 'dy', signalFraction: 0.45, continuumFraction: 0.15, run: 1, isData: false },
  { name: 'SingleMuon', prefix: 'data', signalFraction: 0.12, continuumFraction: 0.2, run: 316000, isData: true },
] as const;

/**
 * Writes a small demo analysis input into `dir`: several Parquet files per dataset
 * (`DYJetsToLL` simulation and `SingleMuon` data) and `fileset.json`, a coffea-style fileset
 * `{ "DYJetsToLL": { "files": { "<abs path>": "Events" }, "metadata": {…} }, … }`.
 *
 * @example
 * ```ts
 * const { filesetPath } = await generateDemoFileset('demo', { files: 2, eventsPerFile: 50_000, seed: 1 });
 * ```
 */
export async function generateDemoFileset(dir: string, options: DemoFilesetOptions = {}): Promise<DemoFilesetSummary> {
  const parsed = filesetSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidOptionsError(`Expected valid demo fileset options: \`${issue.path.join('.')}\` ${issue.message}`, {
      cause: parsed.error,
    });
  }
  const { files, eventsPerFile, seed } = parsed.data;
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const fileset: DemoFileset = {};
  const written: DemoFileSummary[] = [];
  const eventsTotal = eventsPerFile * files * DATASETS.length;
  const filesTotal = files * DATASETS.length;
  const report = (inFile: number) =>
    options.onProgress?.({ eventsWritten: written.length * eventsPerFile + inFile, eventsTotal, filesWritten: written.length, filesTotal });
  for (const [d, dataset] of DATASETS.entries()) {
    const entry: DemoFileset[string] = { files: {}, metadata: { isData: dataset.isData } };
    for (let f = 0; f < files; f++) {
      const path = join(root, `${dataset.prefix}_${f}.parquet`);
      const summary = await generateDemoParquet(path, {
        events: eventsPerFile,
        // Distinct, reproducible streams per file.
        seed: seed * 1000 + d * 100 + f,
        signalFraction: dataset.signalFraction,
        continuumFraction: dataset.continuumFraction,
        run: dataset.run,
        firstEvent: f * eventsPerFile + 1,
        onProgress: report,
      });
      entry.files[path] = 'Events';
      written.push(summary);
      report(0);
    }
    fileset[dataset.name] = entry;
  }
  const filesetPath = join(root, 'fileset.json');
  await writeFile(filesetPath, `${JSON.stringify(fileset, null, 2)}\n`);
  return { filesetPath, fileset, files: written };
}
