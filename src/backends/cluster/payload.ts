import { deserialize, serialize } from 'node:v8';
import { z } from 'zod';
import { CortadoError } from '../../protocol/errors.ts';
import { isSerializedError, type SerializedError } from '../errors/serialize.ts';
import { createProgress } from '../threads/progress.ts';
import type { WireBatch, WireData, WireOutcome, WireProcessor } from '../threads/wire.ts';

/** Version of the job payload and outcome layout; a worker refuses others. */
export const PAYLOAD_VERSION = 1;

/**
 * A batch as a BullMQ job's data (JSON): the threads backend's {@link WireBatch} columns as plain
 * arrays, and the data descriptors v8-serialized and base64-encoded. Nothing in it is code: the
 * processors are module references that a worker resolves only under its allowed roots.
 */
export interface JobPayload {
  readonly v: typeof PAYLOAD_VERSION;
  readonly task: string;
  /** Each with its code digest when the driver could read the module (a worker with other code refuses it). */
  readonly processors: ReadonlyArray<{ readonly module: string; readonly exportName: string; readonly code?: string }>;
  /** Element count. */
  readonly n: number;
  /** The typed-array columns, each as the base64 of its bytes (little-endian, as the machines are). */
  readonly processorIndex: string | null;
  readonly ranges: string;
  readonly groups: readonly string[];
  readonly groupIndex: string | null;
  readonly attempts: string;
  /** base64 of `v8.serialize({ values })` or `v8.serialize({ descriptors })`. */
  readonly data: string;
  readonly collectStats: boolean;
  /** Store the results apart from the outcome, for a reduce job to merge on a worker. */
  readonly split?: boolean;
  /** Map mode (`backend.map()`): per-element outputs instead of merged results. */
  readonly map?: boolean;
}

/** A job payload or stored outcome over its size cap. */
export class ClusterSizeError extends CortadoError {
  constructor(what: string, bytes: number, cap: number, hint: string) {
    super('E_CLUSTER_TOO_LARGE', `${what} is ${formatBytes(bytes)}, over the cap of ${formatBytes(cap)}: ${hint}`);
  }
}

/** A job or stored outcome that does not have the expected shape. */
export class ClusterPayloadError extends CortadoError {
  constructor(what: string, detail: string) {
    super('E_CLUSTER_BAD_PAYLOAD', `${what} is malformed and was not used: ${detail}`);
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${bytes} bytes`;
}

const name = z.string().min(1).max(4096);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const payloadSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  task: z.string().regex(/^[0-9a-f]{1,64}$/),
  processors: z.array(z.strictObject({ module: name, exportName: z.string().regex(/^[A-Za-z_$][\w$]*$/), code: z.string().regex(/^[0-9a-f]{16}$/).optional() })).min(1).max(65_535),
  n: z.number().int().min(1).max(2 ** 24),
  processorIndex: base64.nullable(),
  ranges: base64,
  groups: z.array(z.string().max(4096)),
  groupIndex: base64.nullable(),
  attempts: base64,
  data: base64,
  collectStats: z.boolean(),
  split: z.boolean().optional(),
  map: z.boolean().optional(),
});

/** A typed-array column from its base64, checked for length (an aligned copy). */
function column<T extends Float64Array | Uint16Array | Int32Array>(text: string, Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number, what: string): T {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength !== length * Type.BYTES_PER_ELEMENT) throw new ClusterPayloadError('A job', `expected ${length} values in ${what}, got ${bytes.byteLength / Type.BYTES_PER_ELEMENT}`);
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return new Type(buffer);
}

/** Processors as they cross: module, export, and `code` only where there is one. */
function plainProcessors(list: ReadonlyArray<{ readonly module: string; readonly exportName: string; readonly code?: string | undefined }>): WireProcessor[] {
  return list.map(({ module, exportName, code }) => (code === undefined ? { module, exportName } : { module, exportName, code }));
}

function toBase64(array: ArrayBufferView): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/** Whether deserialized job data is `{ values: [...] }` or `{ descriptors: [{ kind }, ...] }`, and its length. */
function dataLength(decoded: unknown): number | undefined {
  if (typeof decoded !== 'object' || decoded === null) return undefined;
  const keys = Object.keys(decoded);
  if (keys.length !== 1) return undefined;
  const { values, descriptors } = decoded as { values?: unknown; descriptors?: unknown };
  if (Array.isArray(values)) return values.length;
  if (!Array.isArray(descriptors)) return undefined;
  for (const d of descriptors) if (typeof d !== 'object' || d === null || typeof (d as { kind?: unknown }).kind !== 'string') return undefined;
  return descriptors.length;
}

/** Makes the job payload of a wire batch; throws {@link ClusterSizeError} past `maxBytes`. */
export function toPayload(batch: WireBatch, task: string, maxBytes: number, split = false): { payload: JobPayload; bytes: number } {
  const payload: JobPayload = {
    v: PAYLOAD_VERSION,
    task,
    processors: plainProcessors(batch.processors),
    n: batch.attempts.length,
    processorIndex: batch.processorIndex === null ? null : toBase64(batch.processorIndex),
    ranges: toBase64(batch.ranges),
    groups: [...batch.groups],
    groupIndex: batch.groupIndex === null ? null : toBase64(batch.groupIndex),
    attempts: toBase64(batch.attempts),
    data: Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength).toString('base64'),
    collectStats: batch.collectStats,
    ...(split ? { split } : {}),
    ...(batch.map === true ? { map: true } : {}),
  };
  const bytes = payload.data.length + payload.ranges.length + payload.attempts.length + (payload.groupIndex?.length ?? 0) + (payload.processorIndex?.length ?? 0) + 256;
  if (bytes > maxBytes) {
    throw new ClusterSizeError(
      `The job for elements [${batch.ranges[0]}, ${batch.ranges.at(-1)}) (${payload.n} elements)`,
      bytes,
      maxBytes,
      'make data descriptors smaller (describe the data, do not send it), use smaller batches (batchSize), or raise maxPayloadBytes',
    );
  }
  return { payload, bytes };
}

/**
 * Validates a job's data as a worker receives it and turns it back into a {@link WireBatch}. A
 * job that does not have the expected shape throws {@link ClusterPayloadError}: it is rejected,
 * not executed.
 */
export function fromPayload(raw: unknown, maxBytes: number): WireBatch & { readonly task: string; readonly split: boolean } {
  const size = typeof raw === 'object' && raw !== null && typeof (raw as { data?: unknown }).data === 'string' ? (raw as { data: string }).data.length : 0;
  if (size > maxBytes) throw new ClusterSizeError('A job payload', size, maxBytes, 'the driver sent more than this worker accepts (--max-payload-mb)');
  const parsed = payloadSchema.safeParse(raw);
  if (!parsed.success) throw new ClusterPayloadError('A job', parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  const p = parsed.data;
  const n = p.n;
  const ranges = column(p.ranges, Float64Array, 2 * n, 'ranges');
  for (let i = 0; i < 2 * n; i += 2) {
    if (!(ranges[i]! >= 0 && ranges[i]! < ranges[i + 1]!)) throw new ClusterPayloadError('A job', `element ${i / 2} has an empty, negative or inverted range`);
  }
  const attempts = column(p.attempts, Uint16Array, n, 'attempts');
  const processorIndex = p.processorIndex === null ? null : column(p.processorIndex, Uint16Array, n, 'processorIndex');
  if (processorIndex?.some((k) => k >= p.processors.length)) throw new ClusterPayloadError('A job', 'processorIndex names a processor it does not list');
  const groupIndex = p.groupIndex === null ? null : column(p.groupIndex, Int32Array, n, 'groupIndex');
  if (groupIndex?.some((k) => k < -1 || k >= p.groups.length)) throw new ClusterPayloadError('A job', 'groupIndex names a group it does not list');
  const data = new Uint8Array(Buffer.from(p.data, 'base64'));
  let decoded: unknown;
  try {
    decoded = deserialize(data);
  } catch (error) {
    throw new ClusterPayloadError('A job', `its data does not deserialize (${(error as Error).message})`);
  }
  const length = dataLength(decoded);
  if (length === undefined) throw new ClusterPayloadError('A job', 'its data is neither {values} nor {descriptors} with a kind each');
  if (length !== n) throw new ClusterPayloadError('A job', `expected data for ${n} elements, got ${length}`);
  return {
    task: p.task,
    processors: plainProcessors(p.processors),
    processorIndex,
    ranges,
    groups: p.groups,
    groupIndex,
    data,
    attempts,
    progress: createProgress().buffer as SharedArrayBuffer,
    collectStats: p.collectStats,
    split: p.split ?? false,
    ...(p.map === true ? { map: true } : {}),
  };
}

/** Re-export for the worker: the decoded data of a batch. */
export type { WireData };

/**
 * A worker's outcome as stored in Redis: v8's binary serialization, in which typed arrays (a
 * histogram's bins) are their raw bytes — not JSON, which would bloat them ~4×.
 */
export function encodeOutcome(outcome: WireOutcome, maxBytes: number): Buffer {
  const bytes = serialize({ v: PAYLOAD_VERSION, ...outcome });
  if (bytes.byteLength > maxBytes) {
    throw new ClusterSizeError('The result of a batch', bytes.byteLength, maxBytes, 'merge into smaller results (fewer bins), use smaller batches, or raise maxResultBytes');
  }
  return bytes;
}

const outcomeSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  results: z.array(z.tuple([z.number().int().min(-1), z.unknown()])),
  status: z.instanceof(Uint8Array),
  failures: z.array(z.strictObject({ index: z.number().int().min(0), error: z.custom<SerializedError>(isSerializedError, 'a serialized error') })),
  ms: z.instanceof(Float64Array).nullable(),
  busyMs: z.number(),
  /** Bytes of the results stored apart (a split outcome: its `results` is empty). */
  parts: z.number().int().min(0).optional(),
  outputs: z.array(z.unknown()).optional(),
  worker: z
    .strictObject({ id: z.string(), host: z.string().optional(), rss: z.number().optional(), heapUsed: z.number().optional(), heapTotal: z.number().optional() })
    .optional(),
});

/** Reads a stored outcome for a batch of `n` elements; throws {@link ClusterPayloadError} when malformed. */
export function decodeOutcome(bytes: Buffer, n: number, maxBytes: number): WireOutcome & { readonly parts?: number } {
  if (bytes.byteLength > maxBytes) throw new ClusterSizeError('A stored batch result', bytes.byteLength, maxBytes, 'raise maxResultBytes');
  let raw: unknown;
  try {
    raw = deserialize(bytes);
  } catch (error) {
    throw new ClusterPayloadError('A stored batch result', `it does not deserialize (${(error as Error).message})`);
  }
  const parsed = outcomeSchema.safeParse(raw);
  if (!parsed.success) throw new ClusterPayloadError('A stored batch result', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const o = parsed.data;
  if (o.status.length !== n || (o.ms !== null && o.ms.length !== n) || (o.outputs !== undefined && o.outputs.length !== n) || o.failures.some((f) => f.index >= n)) {
    throw new ClusterPayloadError('A stored batch result', `it does not match its batch of ${n} elements`);
  }
  return o as unknown as WireOutcome & { readonly parts?: number };
}

const inputKey = z.string().min(1).max(1024).regex(/^[\w.:-]+$/);
const reduceSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  task: z.string().regex(/^[0-9a-f]{1,64}$/),
  inputs: z.array(inputKey).min(1).max(65_536),
  modules: z.array(z.strictObject({ module: name, exportName: z.string().regex(/^[A-Za-z_$][\w$]*$/) })).max(1024),
});

/** A reduce job: stored parts of one task (by key) to merge into one, on a worker. */
export type ReducePayload = z.output<typeof reduceSchema>;

/** Validates a reduce job's data as a worker receives it: every input must be a part of the job's own task. */
export function fromReducePayload(raw: unknown, prefix: string): ReducePayload {
  const parsed = reduceSchema.safeParse(raw);
  if (!parsed.success) throw new ClusterPayloadError('A reduce job', parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  const own = `${prefix}:t:${parsed.data.task}:p:`;
  const stray = parsed.data.inputs.find((key) => !key.startsWith(own));
  if (stray !== undefined) throw new ClusterPayloadError('A reduce job', `input ${stray} is not a stored part of task ${parsed.data.task}`);
  return parsed.data;
}
