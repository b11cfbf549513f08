import type { TraceRecord } from './records.ts';

/**
 * The key under which a record supersedes an earlier one of the same frame, for records that
 * carry a current value rather than an event: an actor's state and event counts, a task's
 * progress, a worker's memory. Records of other kinds (batches, failures) all count.
 */
function supersedes(record: TraceRecord): string | undefined {
  switch (record.k) {
    case 'state':
      return `s${record.task}\u0000${record.id}`;
    case 'events':
      return `e${record.task}\u0000${record.id}`;
    case 'progress':
      return `p${record.task}`;
    case 'mem':
      return `m${record.worker}`;
    default:
      return undefined;
  }
}

/**
 * Records waiting for the next frame to the page. A record that carries a current value replaces
 * the one of the same thing already waiting (in its place, so it still follows the records it
 * depends on, such as its actor's), so a frame holds each actor's and task's latest state once,
 * however many changes happened since the last frame.
 *
 * @example
 * ```ts
 * const frame = new FrameBuffer();
 * frame.push(records);
 * const json = JSON.stringify(frame.take());
 * ```
 */
export class FrameBuffer {
  #records: TraceRecord[] = [];
  readonly #slots = new Map<string, number>();

  /** How many records wait. */
  get size(): number {
    return this.#records.length;
  }

  /** Adds records (in the order they were made). */
  push(records: readonly TraceRecord[]): void {
    for (const record of records) {
      const key = supersedes(record);
      if (key !== undefined) {
        const slot = this.#slots.get(key);
        if (slot !== undefined) {
          this.#records[slot] = record;
          continue;
        }
        this.#slots.set(key, this.#records.length);
      }
      this.#records.push(record);
    }
  }

  /** The waiting records, and an empty buffer. */
  take(): TraceRecord[] {
    const records = this.#records;
    this.#records = [];
    this.#slots.clear();
    return records;
  }
}
