import { expect, it } from 'vitest';
import type { ErrorPolicyInput } from '../src/protocol/policy.ts';
import { recordSupervisor, runToEnd, scripted, simulatedClock, testFiles } from '../src/testing/index.ts';

// The example of docs/testing.md: a user's own error policy, tested with the harness.
const policy: ErrorPolicyInput = {
  maxRetries: 2,
  backoff: { initialMs: 1000, factor: 2, jitter: 0 },
  continueOn: ['E_CORRUPT'],
};

it('retries flaky reads with backoff and skips corrupt entries, in simulated time', async () => {
  const clock = simulatedClock();
  await using backend = scripted({
    clock,
    script: {
      msPerEntry: { A: 1, B: 10 }, // 1 ms per entry in file A, 10 ms in file B
      failures: [
        { entry: 42, errors: ['ENOENT', 'ENOENT'] }, // flaky: fails twice, then reads
        { entry: 1500, errors: ['E_CORRUPT'], forever: true }, // corrupt: fails every time
      ],
    },
  });
  const recorder = recordSupervisor(clock);
  const files = [
    { name: 'A', entries: 1000 },
    { name: 'B', entries: 1000 },
  ];
  const task = backend.compute(testFiles(files, { chunkSize: 100 }), { errorPolicy: policy, inspect: recorder.inspect });
  const partial = await runToEnd(task, clock);

  expect(task.status).toBe('incomplete');
  expect(partial.failed.map((f) => [f.range, f.attempts])).toEqual([[[1500, 1600], 1]]);
  expect(partial.processed).toBe(1900);
  // Each retry comes due 1 s, then 2 s, after its failure, on the simulated clock (the test takes
  // milliseconds). The first try failed at 0 ms; the second waited for the lane until 1,900 ms.
  const tries = backend.attempts.filter((a) => a.range[0] === 0).map((a) => [a.startedAt, a.error ?? 'ok']);
  expect(tries).toEqual([
    [0, 'ENOENT'],
    [1900, 'ENOENT'],
    [3900, 'ok'],
  ]);
  expect(recorder.events('RETRY.DUE').map((e) => [e.at, e.detail])).toEqual([
    [1000, '[0, 100) attempt 2'],
    [3900, '[0, 100) attempt 3'],
  ]);
  expect(recorder.states().at(-1)).toBe('incomplete');
  expect(clock.now()).toBe(1000 * 1 + 1000 * 10 - 100 * 10); // every entry once, but the skipped 100
});
