// Strict TypeScript consumer (module nodenext): the public types carry the processor's result type.
import assert from 'node:assert/strict';
import { isMainThread } from 'node:worker_threads';
import {
  defineProcessor, EMPTY, fromFunction, Hist, inline, regular, threads, merge,
  type Backend, type EventsInput, type PartialResult, type Processor, type Task,
} from 'cortado';
import { simulatedClock } from 'cortado/testing';

interface Tally { readonly n: number; readonly sum: number }

export const tally = defineProcessor(import.meta.url, 'tally', (x: number): Tally => ({ n: 1, sum: x }));

// A processor over events: its result type is a Hist.
export const ptHist: Processor<EventsInput, Hist> = (input: EventsInput): Hist => {
  const h = new Hist(regular(10, 0, 100, { name: 'pt' }));
  void input;
  return h;
};

async function main(): Promise<void> {
  const backend: Backend = inline();
  const task: Task<Tally> = backend.compute(fromFunction(tally, [1, 2, 3, 4]));
  const result: Tally = await task.result();
  assert.deepEqual(result, { n: 4, sum: 10 });
  const partial: PartialResult<Tally> = task.partial();
  const mergedOrEmpty = merge<Tally>(partial.result, { n: 1, sum: 5 });
  assert.notEqual(mergedOrEmpty, EMPTY);
  const merged = mergedOrEmpty as Tally;
  assert.deepEqual(merged, { n: 5, sum: 15 });
  await backend.dispose();

  const pool = threads({ workers: 1 });
  const fromThreads: Tally = await pool.compute(fromFunction(tally, [5, 6])).result();
  await pool.dispose();
  assert.deepEqual(fromThreads, { n: 2, sum: 11 });

  const h = new Hist(regular(4, 0, 4, { name: 'x' }));
  h.fill({ x: Float64Array.of(0.5, 1.5, 1.5) });
  assert.equal(h.sum(), 3);
  assert.equal(typeof simulatedClock, 'function');
  console.log(`strict TypeScript consumer: ${JSON.stringify(merged)} inline, ${JSON.stringify(fromThreads)} on threads`);
}

// Worker threads import this module for `tally`: only the main thread drives.
if (isMainThread) await main();
