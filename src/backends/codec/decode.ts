import { codecForTag } from '../../protocol/codec.ts';
import { CodecError, formatPath } from './errors.ts';
import { CODEC_KEY, isEncodedTree, isPlainRecord, type CodecEnvelope } from './envelope.ts';

/**
 * Turns what {@link encodeResult} made (after it crossed a thread) back into the result: codec
 * envelopes become instances of their class again. Plain data comes back as it is, without a walk.
 * The received data is owned by the caller, so containers are updated in place.
 *
 * Throws a {@link CodecError} when a tag has no codec in this thread: import the module that
 * registers it (the processor's module, or `src/results/hist.ts` for `Hist`).
 *
 * @example
 * ```ts
 * port.on('message', (data) => merge(acc, decodeResult(data)));
 * ```
 */
export function decodeResult(data: unknown): unknown {
  if (!isEncodedTree(data)) return data;
  return decode(data.value, []);
}

function decode(value: unknown, path: string[]): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) value[i] = at(path, String(i), item);
    }
    return value;
  }
  if (value instanceof Map) {
    for (const [key, item] of [...value]) {
      const decodedKey = typeof key === 'object' && key !== null ? at(path, String(key), key) : key;
      const decoded = typeof item === 'object' && item !== null ? at(path, String(key), item) : item;
      if (decodedKey !== key) value.delete(key);
      value.set(decodedKey, decoded);
    }
    return value;
  }
  if (value instanceof Set) {
    const items = [...value];
    const decoded = items.map((item, i) => (typeof item === 'object' && item !== null ? at(path, String(i), item) : item));
    if (decoded.some((item, i) => item !== items[i])) {
      value.clear();
      for (const item of decoded) value.add(item);
    }
    return value;
  }
  if (!isPlainRecord(value)) return value;
  const tag = value[CODEC_KEY];
  if (typeof tag === 'string') return fromEnvelope(value as unknown as CodecEnvelope, path);
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (typeof item === 'object' && item !== null) value[key] = at(path, key, item);
  }
  return value;
}

function at(path: string[], key: string, value: unknown): unknown {
  path.push(key);
  const decoded = decode(value, path);
  path.pop();
  return decoded;
}

function fromEnvelope(envelope: CodecEnvelope, path: readonly string[]): unknown {
  const tag = envelope[CODEC_KEY];
  const codec = codecForTag(tag);
  if (codec === undefined) {
    throw new CodecError(
      tag,
      [...path],
      `Received a value encoded with codec ${JSON.stringify(tag)}${formatPath(path)}, but no codec with that tag is registered ` +
        `in this thread: import the module that calls registerCodec({ tag: ${JSON.stringify(tag)}, ... }) here too.`,
    );
  }
  return codec.decode(envelope.data);
}
