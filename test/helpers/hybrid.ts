// Parquet's RLE / bit-packed hybrid encoding written at random, for tests of its decoders
// (levels, dictionary indexes).

import { seededRandom } from '../../src/testing/random.ts';

/** The project's seeded generator (mulberry32), so that a failure reproduces. */
export const random: (seed: number) => () => number = seededRandom;

export function uleb(out: number[], x: number): void {
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
}

/**
 * Encodes `levels` as the RLE / bit-packed hybrid, choosing run kinds at random: RLE runs of any
 * length (so the next bit-packed run starts at any bit), bit-packed groups of 8 whose last group
 * is padded past the end with garbage.
 */
export function encodeHybrid(levels: number[], width: number, rnd: () => number, maxGroups = 4): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < levels.length) {
    let run = 1;
    while (i + run < levels.length && levels[i + run] === levels[i]) run++;
    if (run >= 3 && rnd() < 0.8) {
      uleb(out, run << 1);
      for (let k = 0; k < (width + 7) >> 3; k++) out.push((levels[i]! >> (8 * k)) & 0xff);
      i += run;
      continue;
    }
    // Mostly short runs; now and then a long one (the decoder unpacks long runs a block at a time).
    const groups = 1 + Math.floor(rnd() * (rnd() < 0.25 ? maxGroups : 4));
    uleb(out, (groups << 1) | 1);
    const bytes = new Uint8Array(groups * width);
    for (let k = 0; k < groups * 8; k++) {
      const v = i + k < levels.length ? levels[i + k]! : Math.floor(rnd() * (1 << width)); // padding: any bits
      for (let b = 0; b < width; b++) if ((v >> b) & 1) bytes[(k * width + b) >> 3]! |= 1 << ((k * width + b) & 7);
    }
    out.push(...bytes);
    i += groups * 8;
  }
  return Uint8Array.from(out);
}
