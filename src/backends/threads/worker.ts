/**
 * The piscina task handler of the threads backend, loaded in every worker thread through
 * worker-entry.mjs. It runs one {@link WireBatch} and moves the outcome's buffers back.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runWireBatch } from './worker-loop.ts';
import type { WireBatch } from './wire.ts';

/** Runs a batch; the outcome travels with its typed-array buffers moved, not cloned. */
export default async function runTask(batch: WireBatch): Promise<unknown> {
  const { outcome, transfer } = await runWireBatch(batch);
  return move({ [transferableSymbol]: transfer, [valueSymbol]: outcome } as never);
}
