import { createHash } from 'node:crypto';
import type { BatchOutcome } from '../../actors/batch.ts';
import type { WireProcessor } from '../threads/wire.ts';
import { partKey } from './keys.ts';
import { mergeParts } from './parts.ts';
import { ClusterJobError, settle, type JobContext } from './settle.ts';
import { takeStored } from './take.ts';

interface Parked {
  readonly outcome: BatchOutcome;
  /** Stops listening to the batch's signal (a lane's, which outlives the batch). */
  readonly unlisten: () => void;
  readonly parts: readonly string[];
  readonly resolve: (outcome: BatchOutcome) => void;
  readonly reject: (error: unknown) => void;
}

const NEVER = new AbortController().signal;

/**
 * Merges on the workers (one per task, with `reduceEvery` > 1). A batch's results stay in Redis
 * as a part; its lane waits ("parks") with the small outcome. Once `every` batches are parked —
 * or every batch in flight is, so nothing else could come — one reduce job merges their parts on
 * a worker's thread, and the driver reads that one merge instead of every part.
 *
 * The merge and all the parked batches' completed ranges go to the runtime in **one** outcome
 * (the last parked batch carries them; the others report only their failures), so a partial
 * result, a checkpoint record and `remaining()` never count a range whose result is not merged in.
 * A reduce job that fails or vanishes is done on the driver instead (never a lost or doubled part);
 * when the parts themselves are gone, the parked batches are lost whole and run again under the
 * error policy.
 */
export class WorkerReducer {
  readonly #every: number;
  readonly #parked: Parked[] = [];
  readonly #modules = new Map<string, WireProcessor>();
  #active = 0;
  #settings: JobContext | undefined;
  #taskId = '';

  constructor(every: number) {
    this.#every = every;
  }

  /** A batch starts (it may park later). */
  enter(): void {
    this.#active++;
  }

  /** A batch ended without parking. */
  leave(): void {
    this.#active--;
    this.#check(false);
  }

  /** Parks a batch whose results are the stored `parts`; resolves once they are merged in. */
  park(settings: JobContext, taskId: string, outcome: BatchOutcome, parts: readonly string[], processors: readonly WireProcessor[], signal: AbortSignal): Promise<BatchOutcome> {
    this.#settings = settings;
    this.#taskId = taskId;
    for (const p of processors) this.#modules.set(`${p.module}#${p.exportName}`, { module: p.module, exportName: p.exportName });
    return new Promise<BatchOutcome>((resolve, reject) => {
      // A cancelled task does not wait for a reduce job: the driver merges what is parked itself.
      const onAbort = () => this.#check(true);
      this.#parked.push({ outcome, parts, resolve, reject, unlisten: () => signal.removeEventListener('abort', onAbort) });
      if (signal.aborted) this.#check(true);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#check(false);
      }
    });
  }

  #check(direct: boolean): void {
    const parked = this.#parked.length;
    if (parked === 0 || (!direct && parked < this.#every && parked < this.#active)) return;
    const entries = this.#parked.splice(0);
    for (const e of entries) e.unlisten();
    this.#active -= entries.length;
    void this.#flush(entries, direct);
  }

  async #flush(entries: readonly Parked[], direct: boolean): Promise<void> {
    const settings = this.#settings!;
    const keys = entries.flatMap((e) => e.parts);
    try {
      let merged: Map<string | undefined, unknown> | undefined;
      if (!direct && keys.length > 1) merged = await this.#onWorker(settings, keys).catch(() => undefined);
      merged ??= await this.#onDriver(settings, keys);
      await settings.redis.unlink(...keys).catch(() => 0);
      const carrier = entries[entries.length - 1]!;
      for (const e of entries) if (e !== carrier) e.resolve(bare(e.outcome));
      carrier.resolve(combine(entries.map((e) => e.outcome), merged));
    } catch (error) {
      if (isMergeMismatch(error)) await this.#oneByOne(settings, entries);
      else for (const e of entries) e.reject(error);
    }
  }

  /**
   * Parts of different batches that do not merge with each other: each parked batch gets its own
   * parts back, in the order they parked, so the runtime refuses only the batch whose result cannot
   * merge with those accepted before it (`E_BAD_RESULT`, under the policy) — as on every other backend.
   */
  async #oneByOne(settings: JobContext, entries: readonly Parked[]): Promise<void> {
    for (const e of entries) {
      try {
        e.resolve({ ...e.outcome, results: await this.#onDriver(settings, e.parts) });
      } catch (error) {
        e.reject(error);
      }
    }
    await settings.redis.unlink(...entries.flatMap((e) => e.parts)).catch(() => 0);
  }

  /** One reduce job over `keys`; resolves with the merge, rejects when the job did not deliver it. */
  async #onWorker(settings: JobContext, keys: readonly string[]): Promise<Map<string | undefined, unknown>> {
    const jobId = `${this.#taskId}.reduce-${createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 20)}`;
    const out = partKey(settings.keys, jobId);
    const waiter = settings.completions.wait(jobId);
    try {
      const payload = { v: 1, task: this.#taskId, inputs: keys, modules: [...this.#modules.values()] };
      await settings.queue.add('reduce', payload, { jobId, attempts: 1, removeOnComplete: true, removeOnFail: true });
      const end = await settle(settings, jobId, out, waiter.ended, NEVER);
      if (end === 'cancelled' || !end.ok) throw new ClusterJobError('E_CLUSTER_JOB_FAILED', `Reduce job ${jobId} failed: ${end === 'cancelled' ? 'cancelled' : end.reason}`);
      const bytes = await takeStored(settings.redis, out);
      if (bytes === null) throw new ClusterJobError('E_CLUSTER_JOB_LOST', `Reduce job ${jobId} completed but its merge is missing from Redis`);
      return mergeParts([bytes]);
    } finally {
      waiter.forget();
    }
  }

  /** The driver merges the parts itself (a cancelled task, a single part, or a reduce job that failed). */
  async #onDriver(settings: JobContext, keys: readonly string[]): Promise<Map<string | undefined, unknown>> {
    const parts = await settings.redis.mgetBuffer(...keys);
    const missing = keys.filter((_, k) => parts[k] === null);
    if (missing.length > 0) {
      throw new ClusterJobError('E_CLUSTER_JOB_LOST', `${missing.length} stored partial result(s) are missing from Redis (${missing[0]}): deleted, evicted, or Redis lost them in a restart`);
    }
    return mergeParts(parts as Buffer[]);
  }
}

function isMergeMismatch(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'E_MERGE_TYPE';
}

/** A parked batch's outcome without its completed work (the carrier reports it): only its failures. */
function bare(outcome: BatchOutcome): BatchOutcome {
  const { stats, ...rest } = outcome;
  return { ...rest, results: new Map(), completed: [], elements: 0, entries: 0, busyMs: 0, ...(stats === undefined ? {} : { stats: [] }) };
}

/** The carrier's outcome: every parked batch's completed ranges, counts and stats, and their merged results. */
function combine(outcomes: readonly BatchOutcome[], results: Map<string | undefined, unknown>): BatchOutcome {
  const last = outcomes[outcomes.length - 1]!;
  const stats = last.stats === undefined ? undefined : outcomes.flatMap((o) => o.stats ?? []);
  return {
    ...last,
    results,
    completed: outcomes.flatMap((o) => o.completed),
    elements: outcomes.reduce((n, o) => n + o.elements, 0),
    entries: outcomes.reduce((n, o) => n + o.entries, 0),
    busyMs: outcomes.reduce((n, o) => n + (o.busyMs ?? 0), 0),
    ...(stats === undefined ? {} : { stats }),
  };
}
