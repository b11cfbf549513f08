/**
 * A small seeded pseudo-random generator (mulberry32) with the distributions the demo data needs.
 * The same seed gives the same sequence on every machine: demo files are reproducible.
 *
 * @example
 * ```ts
 * const rng = new Random(42);
 * const mass = rng.breitWigner(91.1876, 2.4952);
 * ```
 */
export class Random {
  #state: number;
  #spare: number | undefined;

  constructor(seed: number) {
    // Mix the seed so that nearby seeds (1, 2, 3 …) start far apart.
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.#state = (s ^ (s >>> 16)) >>> 0;
  }

  /** A uniform number in `[0, 1)`. */
  uniform(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal number (Box–Muller, the second value kept for the next call). */
  normal(): number {
    const spare = this.#spare;
    if (spare !== undefined) {
      this.#spare = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.uniform();
    this.#spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  }

  /** An exponential number of the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.uniform());
  }

  /** A (non-relativistic) Breit–Wigner (Cauchy) number, redrawn until it lies in `[low, high]`. */
  breitWigner(mass: number, width: number, low = -Infinity, high = Infinity): number {
    for (;;) {
      const m = mass + (width / 2) * Math.tan(Math.PI * (this.uniform() - 0.5));
      if (m >= low && m <= high) return m;
    }
  }

  /** An index drawn with the given (normalised) probabilities. */
  choose(probabilities: readonly number[]): number {
    let u = this.uniform();
    for (let i = 0; i < probabilities.length; i++) {
      u -= probabilities[i]!;
      if (u < 0) return i;
    }
    return probabilities.length - 1;
  }
}
