/** Defaults shared by the driver and `cortado worker`. */
export const DEFAULT_PREFIX = 'cortado';
/** The BullMQ queue batches go through. */
export const DEFAULT_QUEUE = 'batches';

/** Size caps and lifetimes. */
export const DEFAULT_LIMITS = {
  /** Largest job payload (data descriptors, not data). */
  maxPayloadBytes: 64 * 2 ** 20,
  /** Largest stored batch result (Redis strings stop at 512 MiB). */
  maxResultBytes: 256 * 2 ** 20,
  /** How long a result nobody absorbed stays (a driver that died and never came back). */
  resultTtlMs: 24 * 3600 * 1000,
} as const;

export type { LiveWorker } from '../../actors/executor.ts';
