import { describe, expect, it } from 'vitest';
import {
  expectedCount,
  recordSupervisor,
  runToEnd,
  scripted,
  simulatedClock,
  testFiles,
  type Script,
} from '../src/testing/index.ts';

const FILES = [
  { name: 'A', entries: 1000 },
  { name: 'B', entries: 500 },
];

async function runScript(script: Script, options: { slots?: number; chunkSize?: number } = {}) {
  const clock = simulatedClock();
  await using backend = scripted({ clock, script, slots: options.slots ?? 1 });
  const recorder = recordSupervisor(clock);
  const task = backend.compute(testFiles(FILES, { chunkSize: options.chunkSize ?? 100 }), { inspect: recorder.inspect });
  const partial = await runToEnd(task, clock);
  return { partial, recorder, clock, attempts: backend.attempts, status: task.status };
}

describe('the scripted backend', () => {
  it('makes elements take their scripted time on the simulated clock, without sleeping', async () => {
    const started = performance.now();
    const { partial, clock, status } = await runScript({ overheadMs: 10, msPerEntry: { A: 1, B: 10 } });
    expect(status).toBe('complete');
    expect(partial.result).toEqual(expectedCount(FILES));
    // 15 elements × 10 ms + 1000 × 1 ms + 500 × 10 ms, one lane.
    expect(clock.now()).toBe(15 * 10 + 1000 + 5000);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('retries an element that fails twice with ENOENT, then succeeds, after backoff delays on the clock', async () => {
    const { partial, attempts, recorder, status } = await runScript({
      msPerEntry: 1,
      failures: [{ entry: 42, errors: ['ENOENT', 'ENOENT'] }],
    });
    expect(status).toBe('complete');
    expect(partial.result).toEqual(expectedCount(FILES));
    const tries = attempts.filter((a) => a.range[0] === 0);
    expect(tries.map((a) => [a.attempt, a.error ?? 'ok'])).toEqual([
      [1, 'ENOENT'],
      [2, 'ENOENT'],
      [3, 'ok'],
    ]);
    expect(recorder.events('RETRY.DUE').map((e) => e.detail)).toEqual(['[0, 100) attempt 2', '[0, 100) attempt 3']);
    expect(recorder.states().slice(0, 2)).toEqual(['pending', 'running']);
    expect(recorder.states().at(-1)).toBe('complete');
  });

  it('gives the same transitions, event for event, every time the same script runs', async () => {
    const script: Script = { overheadMs: 3, msPerEntry: { A: 0.5, B: 2 }, failures: [{ entry: 1200, errors: ['EIO'] }] };
    const first = await runScript(script, { slots: 3 });
    const second = await runScript(script, { slots: 3 });
    expect(first.recorder.lines().length).toBeGreaterThan(10);
    expect(second.recorder.lines()).toEqual(first.recorder.lines());
    expect(second.attempts).toEqual(first.attempts);
  });
});
