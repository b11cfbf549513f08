import { deserialize, serialize } from 'node:v8';
import { z } from 'zod';
import { EMPTY, merge, type Empty } from '../../protocol/result.ts';
import { decodeResult } from '../codec/decode.ts';
import { ClusterPayloadError, PAYLOAD_VERSION } from './payload.ts';

/**
 * The results of one or more batches, per group, as stored in Redis apart from the batch's outcome
 * when the driver merges on workers (`reduceEvery`): each group's merged result as the codecs
 * encode it, inside v8's binary serialization (typed arrays as raw bytes). Groups go by name, so
 * that parts of batches with different group tables merge key-wise.
 */
export interface StoredParts {
  readonly v: typeof PAYLOAD_VERSION;
  readonly results: Array<readonly [group: string | null, data: unknown]>;
}

/** Serializes per-group encoded results (as `encodeResult` made them) into a part. */
export function encodeParts(results: Iterable<readonly [string | null, unknown]>): Buffer {
  const part: StoredParts = { v: PAYLOAD_VERSION, results: [...results] };
  return serialize(part);
}

const partsSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  results: z.array(z.tuple([z.string().nullable(), z.unknown()])),
});

/** Reads a stored part back into encoded results per group; {@link ClusterPayloadError} when malformed. */
export function readParts(bytes: Uint8Array): StoredParts['results'] {
  let raw: unknown;
  try {
    raw = deserialize(bytes);
  } catch (error) {
    throw new ClusterPayloadError('A stored partial result', `it does not deserialize (${(error as Error).message})`);
  }
  const parsed = partsSchema.safeParse(raw);
  if (!parsed.success) throw new ClusterPayloadError('A stored partial result', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data.results;
}

/** Decodes and merges stored parts into one result per group (`undefined` = no group). */
export function mergeParts(parts: readonly Uint8Array[]): Map<string | undefined, unknown> {
  const merged = new Map<string | undefined, unknown>();
  for (const bytes of parts) {
    for (const [group, data] of readParts(bytes)) {
      const key = group ?? undefined;
      merged.set(key, merge((merged.get(key) ?? EMPTY) as Empty, decodeResult(data) as Empty));
    }
  }
  return merged;
}
