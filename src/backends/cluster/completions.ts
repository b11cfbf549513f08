import type { QueueEvents } from 'bullmq';

/** How a job ended, as BullMQ's queue events tell it. */
export type JobEnd = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * One listener on BullMQ's queue events for every batch in flight: a job's `completed` or
 * `failed` event settles the waiter registered under its id. Events for jobs nobody waits for
 * (another driver's) are ignored; a waiter settles at most once, so a job reported twice (run
 * twice after a lost lock) is absorbed once.
 */
export class Completions {
  readonly #waiters = new Map<string, (end: JobEnd) => void>();

  constructor(events: QueueEvents) {
    events.on('completed', ({ jobId }) => this.settle(jobId, { ok: true }));
    events.on('failed', ({ jobId, failedReason }) => this.settle(jobId, { ok: false, reason: failedReason }));
  }

  /** Registers a waiter for `jobId` (before the job is added, so no event is missed). */
  wait(jobId: string): { readonly ended: Promise<JobEnd>; readonly forget: () => void } {
    let resolve!: (end: JobEnd) => void;
    const ended = new Promise<JobEnd>((r) => (resolve = r));
    this.#waiters.set(jobId, resolve);
    return { ended, forget: () => this.#waiters.get(jobId) === resolve && this.#waiters.delete(jobId) };
  }

  /** Settles the waiter of `jobId`, if any (also used by the driver's own sweep). */
  settle(jobId: string, end: JobEnd): void {
    const resolve = this.#waiters.get(jobId);
    if (resolve === undefined) return;
    this.#waiters.delete(jobId);
    resolve(end);
  }
}
