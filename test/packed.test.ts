import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mapPacked } from '../src/protocol/packed.ts';

describe('mapPacked', () => {
  it('maps like Array.prototype.map, index included', () => {
    expect(mapPacked(['a', 'b', 'c'], (s, i) => `${s}${i}`)).toEqual(['a0', 'b1', 'c2']);
    expect(mapPacked([], (x: number) => x + 1)).toEqual([]);
  });

  it('returns a packed array once optimised, where an optimised map() returns a holey one', () => {
    // The hidden class is not observable from JavaScript: a child process with V8's natives asks.
    const script = `
      const mapPacked = (${mapPacked.toString()});
      const viaMap = (items, fn) => items.map(fn);
      const holey = {};
      for (const [name, f] of [['mapPacked', mapPacked], ['map', viaMap]]) {
        const run = () => f([{ v: 1 }, { v: 2 }], (o) => o.v);
        %PrepareFunctionForOptimization(f);
        for (let i = 0; i < 10; i++) run();
        %OptimizeFunctionOnNextCall(f);
        holey[name] = %HasHoleyElements(run());
      }
      process.stdout.write(JSON.stringify(holey));
    `;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    const holey = JSON.parse(out) as { mapPacked: boolean; map: boolean };
    expect(holey.mapPacked).toBe(false);
  });
});
