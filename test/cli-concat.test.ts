import { expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { concatComputables } from '../src/cli/concat.ts';
import { fromFunction, restrict } from '../src/protocol/computable.ts';

const square = (x: number) => x * x;
const first = fromFunction(square, [1, 2, 3], { key: 'first' });
const second = fromFunction(square, [4, 5], { key: 'second' });

it('lays parts one after another in one index space', () => {
  const both = concatComputables([first, second]);
  expect(both.size).toBe(5);
  expect(both.key).toBe('concat(first + second)');
  expect([...both.steps()].map((e) => e.range)).toEqual([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
});

it('is the part itself when there is only one', () => {
  expect(concatComputables([first])).toBe(first);
});

it('restricts each part to its share of the ranges, keeping the offsets, and computes just those', async () => {
  const both = concatComputables([first, second]);
  const rest = restrict(both, [[1, 2], [3, 5]]);
  expect(rest.size).toBe(5);
  expect([...rest.steps()].map((e) => e.range)).toEqual([[1, 2], [3, 4], [4, 5]]);
  await using backend = inline();
  expect(await backend.compute(rest).result()).toBe(4 + 16 + 25);
  const done = await backend.run(restrict(both, [[0, 1], [2, 3]]));
  expect(done.completed).toEqual([[0, 1], [2, 3]]);
  expect((done.result as number) + (await backend.compute(rest).result())).toBe(await backend.compute(both).result());
});
