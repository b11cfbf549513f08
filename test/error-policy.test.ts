import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { InvalidOptionsError } from '../src/protocol/errors.ts';
import { backoffDelay, decide, matchesError, resolveErrorPolicy } from '../src/protocol/policy.ts';

class ValueError extends Error {
  override name = 'ValueError';
}
const enoent = () => Object.assign(new Error('no such file'), { code: 'ENOENT' });

describe('error policy options', () => {
  it('defaults to 3 retries, continuing after them only on I/O errors', () => {
    const policy = resolveErrorPolicy();
    expect(policy.maxRetries).toBe(3);
    expect(policy.cancelOn).toEqual([]);
    expect(policy.continueOn).toEqual([]);
    expect(matchesError(enoent(), policy.continueAfterRetriesOn)).toBe(true);
    expect(matchesError(new ValueError('x'), policy.continueAfterRetriesOn)).toBe(false);
  });

  it('rejects bad options with a message that says what was expected and what came', () => {
    expect(() => resolveErrorPolicy({ maxRetries: -1 })).toThrow(InvalidOptionsError);
    expect(() => resolveErrorPolicy({ maxRetries: -1 })).toThrow(/`errorPolicy.maxRetries`: .*>=\s*0.*got -1 \(number\)/);
    expect(() => resolveErrorPolicy({ maxRetries: 1.5 })).toThrow(/maxRetries.*got 1.5/);
    expect(() => resolveErrorPolicy({ continueOn: [42 as unknown as string] })).toThrow(/continueOn.0.*got 42/);
    expect(() => resolveErrorPolicy({ retries: 2 } as never)).toThrow(/retries/);
    expect(() => resolveErrorPolicy({ backoff: { jitter: 2 } })).toThrow(/backoff.jitter.*got 2/);
  });
});

describe('matching errors', () => {
  it('matches by class, by code, by name and by predicate', () => {
    expect(matchesError(new ValueError('x'), [ValueError])).toBe(true);
    expect(matchesError(new Error('x'), [ValueError])).toBe(false);
    expect(matchesError(enoent(), ['ENOENT'])).toBe(true);
    expect(matchesError(enoent(), ['EACCES'])).toBe(false);
    expect(matchesError(new ValueError('x'), ['ValueError'])).toBe(true);
    expect(matchesError(new Error('boom 7'), [(e) => e instanceof Error && e.message.endsWith('7')])).toBe(true);
  });

  it('walks the cause chain', () => {
    const wrapped = new Error('element failed', { cause: new Error('load failed', { cause: enoent() }) });
    expect(matchesError(wrapped, ['ENOENT'])).toBe(true);
    expect(matchesError(new Error('outer', { cause: new ValueError('inner') }), [ValueError])).toBe(true);
  });

  it('survives a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(matchesError(a, ['ENOENT'])).toBe(false);
  });

  it('decides cancel, continue or retry in that order of precedence', () => {
    const policy = resolveErrorPolicy({ cancelOn: ['EACCES'], continueOn: [ValueError], maxRetries: 2, backoff: false });
    expect(decide(policy, Object.assign(new Error(), { code: 'EACCES' }), 1)).toEqual({ action: 'cancel' });
    expect(decide(policy, new ValueError('v'), 1)).toEqual({ action: 'continue' });
    expect(decide(policy, new Error('other'), 1)).toEqual({ action: 'retry', delayMs: 0 });
    expect(decide(policy, new Error('other'), 2)).toEqual({ action: 'retry', delayMs: 0 });
    expect(decide(policy, new Error('other'), 3)).toEqual({ action: 'cancel' });
    expect(decide(policy, enoent(), 3)).toEqual({ action: 'continue' });
  });
});

describe('permanent errors', () => {
  it('does not retry an error no retry can mend, such as a missing tree', () => {
    const policy = resolveErrorPolicy({ backoff: false });
    const missingTree = Object.assign(new Error('no tree Evnts'), { code: 'E_IO_TREE_NOT_FOUND' });
    expect(decide(policy, missingTree, 1)).toEqual({ action: 'continue' });
    const wrapped = new Error('load failed', { cause: Object.assign(new Error('bad bytes'), { code: 'E_IO_MALFORMED' }) });
    expect(decide(resolveErrorPolicy({ continueAfterRetriesOn: [] }), wrapped, 1)).toEqual({ action: 'cancel' });
    expect(decide(policy, enoent(), 1)).toEqual({ action: 'retry', delayMs: 0 });
  });
});

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters downwards', () => {
    const backoff = { initialMs: 100, factor: 2, maxMs: 1000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5].map((r) => backoffDelay(backoff, r, () => 0))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(backoff, 1, () => 1)).toBe(50);
    expect(backoffDelay(backoff, 10, () => 0.5)).toBe(750);
  });

  it('waits out the delays on the actor clock, proven with a SimulatedClock and no sleeping', async () => {
    const clock = new SimulatedClock();
    let calls = 0;
    const flaky = fromFunction((x: number) => {
      if (x === 3 && ++calls <= 2) throw Object.assign(new Error('flaky read'), { code: 'EIO' });
      return x;
    }, [0, 1, 2, 3, 4]);
    await using backend = inline();
    const task = backend.compute(flaky, {
      clock,
      random: () => 0,
      errorPolicy: { backoff: { initialMs: 1000, factor: 10, maxMs: 60_000, jitter: 0 } },
    });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    // Real time passes only for the first dispatch (a busy machine may need more than 20 ms);
    // from then on the delays run on the simulated clock alone.
    while (calls < 1) await settle();
    await settle();
    expect(calls).toBe(1);
    expect(task.status).toBe('running');
    clock.increment(999);
    await settle();
    expect(calls).toBe(1);
    clock.increment(1);
    for (let i = 0; i < 100 && calls < 2; i++) await settle();
    expect(calls).toBe(2);
    clock.increment(9_999);
    await settle();
    expect(calls).toBe(2);
    expect(task.status).toBe('running');
    clock.increment(1);
    expect(await task.result()).toBe(10);
    expect(calls).toBe(3);
    expect(task.partial().failed).toEqual([]);
  });
});
