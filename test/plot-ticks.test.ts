import { describe, expect, it } from 'vitest';
import { formatTicks, niceTicks } from '../src/results/plot/ticks.ts';
import { seededRandom } from '../src/testing/random.ts';

/** A tick label read back as a number: `2.5×10^{4}` → 25000, `10^{5}` → 1e5, `-0.25` → -0.25. */
function labelValue(label: string): number {
  const power = /^(-?)(?:([\d.]+)×)?10\^\{(-?\d+)\}$/.exec(label);
  if (power === null) return Number(label);
  const sign = power[1] === '-' ? -1 : 1;
  return sign * Number(power[2] ?? '1') * 10 ** Number(power[3]);
}

describe('axis tick labels', () => {
  it('writes 2.5×10^k steps exactly (the axis of 0 … 1.25×10^5)', () => {
    const { step, ticks } = niceTicks(0, 1.3e5, 5);
    expect(step).toBe(2.5e4);
    expect(formatTicks(ticks, step)).toEqual(['0', '2.5×10^{4}', '5×10^{4}', '7.5×10^{4}', '10^{5}', '1.25×10^{5}']);
    expect(formatTicks([0, 2.5e-4, 5e-4, 7.5e-4], 2.5e-4)).toEqual(['0', '2.5×10^{-4}', '5×10^{-4}', '7.5×10^{-4}']);
  });

  it('gives every tick a label that reads back as its value, over many ranges, steps and targets', () => {
    const random = seededRandom(2026);
    let checked = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const scale = 10 ** Math.floor(random() * 18 - 9);
      const lo = (random() < 0.3 ? 0 : (random() - 0.5) * 10) * scale;
      const hi = lo + (0.1 + random() * 20) * scale;
      const target = 2 + Math.floor(random() * 10);
      const { step, ticks } = niceTicks(lo, hi, target);
      const labels = formatTicks(ticks, step);
      if (new Set(labels).size !== labels.length) wrong.push(`repeated labels for ${lo}…${hi}: ${labels.join(' ')}`);
      labels.forEach((label, k) => {
        const value = ticks[k]!;
        if (!(Math.abs(labelValue(label) - value) <= Math.abs(step) * 1e-9)) wrong.push(`${label} for ${value} (step ${step}, range ${lo}…${hi})`);
      });
      checked += ticks.length;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
  });
});
