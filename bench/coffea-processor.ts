/**
 * coffea's test processor, the shape `bench/analysis.ts` runs: per dataset a muon-pt and a
 * dimuon-mass histogram of 30,000 bins each and a cutflow. A module of its own so that worker
 * threads import the processor without starting the benchmark.
 */
import { readlinkSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { descriptionSharingStats } from '../src/io/parquet/shared-descriptions.ts';
import { metaCache } from '../src/io/root/cache.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { filterPairs, oppositeCharge, pairMass, pairs } from '../src/io/events/index.ts';
import type { EventsInput } from '../src/io/dataset/index.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';

/** Counts after each selection step; adds key by key. */
export interface CoffeaCutflow {
  events: number;
  muons: number;
  pairs: number;
  oppositeCharge: number;
}

/** One chunk → pt and mass histograms (30,000 bins, 0.25–300 GeV, as coffea's test) and a cutflow. */
export const coffeaTest = defineProcessor(
  import.meta.url,
  'coffeaTest',
  ({ events }: EventsInput) => {
    const muons = events.Muon;
    const pt = new Hist(regular(30_000, 0.25, 300, { name: 'pt' }));
    pt.fill({ pt: muons.pt.values as ArrayLike<number> });
    const all = pairs(muons);
    const opposite = filterPairs(all, oppositeCharge(all, muons.charge));
    const masses = pairMass(opposite, muons).values;
    const mass = new Hist(regular(30_000, 0.25, 300, { name: 'mass' }));
    mass.fill({ mass: masses });
    const cutflow: CoffeaCutflow = {
      events: events.length,
      muons: muons.pt.values.length,
      pairs: all.first.length,
      oppositeCharge: masses.length,
    };
    return { pt, mass, cutflow };
  },
  { columns: ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge'] },
);

/** Returns its input: a first element that starts the workers, so that start-up is timed on its own. */
export const startUp = defineProcessor(import.meta.url, 'startUp', (x: number) => x);

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * The OS thread id of the worker that runs it, as `{ [tid]: 1 }` (records merge key by key), after
 * holding its thread 30 ms so that the next element goes to another idle worker: a handful of these
 * names every worker thread of a pool, so the benchmark can tell workers' CPU time from the rest.
 */
export const osThread = defineProcessor(import.meta.url, 'osThread', (_: number): Record<string, number> => {
  Atomics.wait(pause, 0, 0, 30);
  return { [readlinkSync('/proc/thread-self').split('/').at(-1)!]: 1 };
});

// Garbage collections on this thread since the module loaded: what the thread's allocation costs.
// Counts hold under load; pause times are wall clock, so they stretch when the cores are shared.
const gc = { minor: 0, major: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (((entry as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
    else gc.major++;
    gc.ms += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** Counters of one worker thread, cumulative since it started: see {@link threadStats}. */
export interface ThreadStats {
  readonly thread: number;
  /** Parquet footers this thread parsed (and offered to the others), and those it took from another. */
  readonly parquetParsed: number;
  readonly parquetAdopted: number;
  /** ROOT files whose header, directory and tree record this thread parsed, and reopens served from its cache. */
  readonly rootParsed: number;
  readonly rootReused: number;
  /** ROOT files reopened from a seed: tree records read again, not parsed (see `MetaCache`). */
  readonly rootSeeded: number;
  /** Garbage collections on this thread (minor: scavenges), and their pauses in ms. */
  readonly gcMinor: number;
  readonly gcMajor: number;
  readonly gcMs: number;
}

/**
 * This worker's counters (`ThreadStats`), as `{ "<json>": 1 }` (records merge key by key, so a worker
 * that runs several of these gives the same key again): how many Parquet footers and ROOT files
 * each worker parsed, how many it reused or took from another worker, and its garbage collections.
 */
export const threadStats = defineProcessor(import.meta.url, 'threadStats', (_: number): Record<string, number> => {
  Atomics.wait(pause, 0, 0, 30);
  const { published, adopted } = descriptionSharingStats();
  const { hits, misses, seeded } = metaCache.stats();
  const stats: ThreadStats = {
    thread: threadId, parquetParsed: published, parquetAdopted: adopted, rootParsed: misses, rootReused: hits, rootSeeded: seeded,
    gcMinor: gc.minor, gcMajor: gc.major, gcMs: Math.round(gc.ms * 10) / 10,
  };
  return { [JSON.stringify(stats)]: 1 };
});
