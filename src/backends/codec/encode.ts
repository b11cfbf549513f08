import { codecFor } from '../../protocol/codec.ts';
import { CodecError, formatPath } from './errors.ts';
import { CODEC_KEY, ENCODED_KEY, isPlainRecord, type EncodedResult } from './envelope.ts';

/**
 * Prepares a result to cross a thread boundary. Records, arrays, `Map`s, `Set`s, numbers, bigints,
 * strings and typed arrays pass as they are (the same objects: nothing is copied); their
 * `ArrayBuffer`s are listed in `transfer` so that they are moved, not cloned. A class instance with
 * a registered codec (a `Hist`, or your own class after `registerCodec`) becomes a tagged envelope
 * that {@link decodeResult} turns back into the same class. Any other class instance throws a
 * {@link CodecError} that names the class and where it sits.
 *
 * After encoding, the moved buffers belong to the receiver: the sender must not use the result again.
 *
 * @example
 * ```ts
 * const { data, transfer } = encodeResult({ mass: hist, n: 12 });
 * port.postMessage(data, transfer);
 * // on the other side: decodeResult(message) → { mass: Hist, n: 12 }
 * ```
 */
export function encodeResult(value: unknown): EncodedResult {
  const walker = new Encoder();
  const encoded = walker.walk(value, []);
  const transfer = [...walker.transfer];
  if (!walker.enveloped) return { data: value, transfer };
  return { data: { [ENCODED_KEY]: 1, value: encoded }, transfer };
}

class Encoder {
  readonly transfer = new Set<ArrayBuffer>();
  enveloped = false;
  readonly #ancestors = new Set<object>();
  readonly #codecTransfer: ArrayBuffer[] = [];

  /** Returns `value` itself when nothing under it changed, else a copy with envelopes in place. */
  walk(value: unknown, path: string[]): unknown {
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function' || typeof value === 'symbol') throw notCloneable(value, path);
      return value;
    }
    if (ArrayBuffer.isView(value)) {
      this.#move(value.buffer, value.byteOffset, value.byteLength);
      return value;
    }
    if (value instanceof ArrayBuffer) {
      this.#move(value, 0, value.byteLength);
      return value;
    }
    // A cycle: leave it to structured clone, which keeps identities.
    if (this.#ancestors.has(value)) return value;
    this.#ancestors.add(value);
    try {
      return this.#container(value, path);
    } finally {
      this.#ancestors.delete(value);
    }
  }

  #container(value: object, path: string[]): unknown {
    if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) return this.#array(value, path);
    if (isPlainRecord(value)) return this.#record(value, path);
    const proto = Object.getPrototypeOf(value);
    if (proto === Map.prototype) return this.#map(value as Map<unknown, unknown>, path);
    if (proto === Set.prototype) return this.#set(value as Set<unknown>, path);
    const codec = codecFor(value);
    if (codec !== undefined) {
      const buffers = this.#codecTransfer;
      buffers.length = 0;
      const data = codec.encode(value, buffers);
      for (const buffer of buffers) this.transfer.add(buffer);
      this.enveloped = true;
      return { [CODEC_KEY]: codec.tag, data };
    }
    if (value instanceof Date || value instanceof RegExp || value instanceof Error) return value;
    throw noCodec(value, path);
  }

  #array(value: unknown[], path: string[]): unknown {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item !== 'object' || item === null) {
        if (typeof item === 'function' || typeof item === 'symbol') throw notCloneable(item, [...path, String(i)]);
        continue;
      }
      path.push(String(i));
      const encoded = this.walk(item, path);
      path.pop();
      if (encoded !== item) (out ??= value.slice())[i] = encoded;
    }
    return out ?? value;
  }

  #record(value: Record<string, unknown>, path: string[]): unknown {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (typeof item !== 'object' || item === null) {
        if (typeof item === 'function' || typeof item === 'symbol') throw notCloneable(item, [...path, key]);
        continue;
      }
      path.push(key);
      const encoded = this.walk(item, path);
      path.pop();
      if (encoded !== item) (out ??= { ...value })[key] = encoded;
    }
    return out ?? value;
  }

  #map(value: Map<unknown, unknown>, path: string[]): unknown {
    let out: Map<unknown, unknown> | undefined;
    for (const [key, item] of value) {
      path.push(String(key));
      const encodedKey = this.walk(key, path);
      const encoded = this.walk(item, path);
      path.pop();
      if (encodedKey !== key || encoded !== item) {
        out ??= new Map(value);
        if (encodedKey !== key) out.delete(key);
        out.set(encodedKey, encoded);
      }
    }
    return out ?? value;
  }

  #set(value: Set<unknown>, path: string[]): unknown {
    let changed = false;
    const items: unknown[] = [];
    for (const item of value) {
      path.push(String(items.length));
      const encoded = this.walk(item, path);
      path.pop();
      if (encoded !== item) changed = true;
      items.push(encoded);
    }
    return changed ? new Set(items) : value;
  }

  /** Moves a buffer only when the view covers all of it; a slice of a larger buffer is cloned. */
  #move(buffer: ArrayBufferLike, byteOffset: number, byteLength: number): void {
    if (!(buffer instanceof ArrayBuffer)) return; // SharedArrayBuffer: shared, not moved
    if (byteOffset === 0 && byteLength === buffer.byteLength && byteLength > 0) this.transfer.add(buffer);
  }
}

function noCodec(value: object, path: readonly string[]): CodecError {
  const name = (value as { constructor?: { name?: string } }).constructor?.name || 'a null-prototype class';
  return new CodecError(
    name,
    [...path],
    `Cannot send a ${name} instance across threads${formatPath(path)}: no codec is registered for it. ` +
      `In the module that defines ${name} (or the processor's module, which every worker imports), call ` +
      `registerCodec({ tag: 'my.${name}', is: (v) => v instanceof ${name}, encode: (v, transfer) => data, decode: (data) => new ${name}(...) }), ` +
      `or return plain records, Maps, Sets, arrays and numbers instead.`,
  );
}

function notCloneable(value: unknown, path: readonly string[]): CodecError {
  const what = typeof value === 'function' ? 'function' : 'symbol';
  return new CodecError(
    what,
    [...path],
    `Cannot send a ${what} across threads${formatPath(path)}: results must be data (numbers, records, Maps, Sets, arrays, ` +
      `typed arrays) or class instances with a registered codec.`,
  );
}
