import { describe, expect, it } from 'vitest';
import * as cortado from '../src/index.ts';

describe('the public entry point', () => {
  it('exports the factories a user starts from', () => {
    for (const name of ['inline', 'fromFunction', 'defineProcessor', 'dataset', 'dataGroup', 'mapSteps', 'Hist', 'regular', 'openSource', 'merge', 'EMPTY']) {
      expect(cortado, name).toHaveProperty(name);
    }
  });

  it('computes through the public API alone', async () => {
    await using backend = cortado.inline();
    const squares = cortado.fromFunction((x: number) => x * x, Array.from({ length: 100 }, (_, i) => i));
    expect(await backend.compute(squares).result()).toBe(328350);
  });
});
