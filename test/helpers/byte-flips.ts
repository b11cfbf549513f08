import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IoError } from '../../src/io/errors.ts';

/**
 * Copies of `path` with 1–4 random bytes changed (a fixed seed, so every run tries the same
 * copies), each opened and read with `openAndRead`; returns how each ended: `ok`, an `IoError`
 * code, or the name and message of any other error (which the caller expects never to see).
 */
export async function flipBytes(path: string, dir: string, trials: number, seed: number,
  openAndRead: (path: string) => Promise<void>): Promise<Map<string, number>> {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const original = readFileSync(path);
  const outcomes = new Map<string, number>();
  for (let t = 0; t < trials; t++) {
    const bytes = Buffer.from(original);
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    const copy = join(dir, `flipped-${seed}-${t}.root`);
    writeFileSync(copy, bytes);
    let outcome: string;
    try {
      await openAndRead(copy);
      outcome = 'ok';
    } catch (error) {
      outcome = error instanceof IoError ? error.code : `${(error as Error).name}: ${(error as Error).message}`;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  return outcomes;
}
