import { EMPTY } from '../protocol/result.ts';
import { codecFor, codecForTag } from '../protocol/codec.ts';
import { describeType } from '../protocol/errors.ts';
import { HistError } from './errors.ts';
import { Hist } from './hist.ts';

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The envelope of a serialized result (version 1). Inside `value`, plain JSON stays as it is
 * (finite numbers, strings, booleans, null, arrays, records); everything else is an object tagged
 * with `$type`:
 *
 * | value | JSON |
 * |---|---|
 * | `Hist` | `{ "$type": "cortado.Hist", "value": <HistJSON> }` |
 * | `Map` | `{ "$type": "Map", "entries": [[key, value], ...] }` |
 * | `Set` | `{ "$type": "Set", "values": [...] }` |
 * | bigint | `{ "$type": "bigint", "value": "123" }` |
 * | NaN, ±Infinity | `{ "$type": "number", "value": "NaN" }` |
 * | `undefined`, `EMPTY` | `{ "$type": "undefined" }`, `{ "$type": "EMPTY" }` |
 * | typed array | `{ "$type": "Float64Array", "values": [...] }` |
 * | record with a `$type` key | `{ "$type": "record", "value": {...} }` |
 * | instance with a registered codec | `{ "$type": "codec", "tag": "...", "data": <encoded> }` |
 */
export interface SerializedResult {
  type: 'cortado.Result';
  version: 1;
  value: JsonValue;
}

const TYPED_ARRAYS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function isPlainRecord(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encode(value: unknown, path: string[]): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { $type: 'number', value: String(value) };
    case 'bigint':
      return { $type: 'bigint', value: value.toString() };
    case 'undefined':
      return { $type: 'undefined' };
    case 'symbol':
      if (value === EMPTY) return { $type: 'EMPTY' };
      break;
    case 'object': {
      if (value === null) return null;
      if (value instanceof Hist) return histEncoder !== undefined ? histEncoder(value) : { $type: 'cortado.Hist', value: value.toJSON() as unknown as JsonValue };
      if (Array.isArray(value)) return value.map((v, i) => encodeAt(v, path, String(i)));
      if (value instanceof Map) {
        return { $type: 'Map', entries: [...value].map(([k, v]) => [encodeAt(k, path, '(key)'), encodeAt(v, path, String(k))]) };
      }
      if (value instanceof Set) return { $type: 'Set', values: [...value].map((v, i) => encodeAt(v, path, String(i))) };
      const typed = value.constructor?.name;
      if (ArrayBuffer.isView(value) && typed !== undefined && typed in TYPED_ARRAYS) {
        return { $type: typed, values: encode(Array.from(value as unknown as ArrayLike<number>), path) };
      }
      if (isPlainRecord(value)) {
        const out: { [key: string]: JsonValue } = {};
        for (const [k, v] of Object.entries(value)) out[k] = encodeAt(v, path, k);
        return Object.hasOwn(value, '$type') ? { $type: 'record', value: out } : out;
      }
      const codec = codecFor(value);
      // The transfer list only matters for postMessage; here the buffers are read and left in place.
      if (codec) return { $type: 'codec', tag: codec.tag, data: encode(codec.encode(value, []), path) };
      break;
    }
  }
  const where = path.length === 0 ? 'at the top level' : `at key path ${path.map((k) => JSON.stringify(k)).join(' → ')}`;
  throw new HistError(
    'E_HIST_FORMAT',
    `Cannot serialize ${describeType(value)} ${where}: expected numbers, bigints, strings, records, arrays, Maps, Sets, Hists, typed arrays or instances with a registered codec`,
  );
}

function encodeAt(value: unknown, path: string[], key: string): JsonValue {
  path.push(key);
  const out = encode(value, path);
  path.pop();
  return out;
}

/**
 * Turns a result tree (records, Maps, Sets, arrays, Hists, numbers, bigints...) into JSON-ready
 * data with type tags, so {@link deserializeResult} gives back the same tree with the same classes.
 *
 * @example
 * ```ts
 * await writeFile('result.json', JSON.stringify(serializeResult(result)));
 * const back = deserializeResult(JSON.parse(await readFile('result.json', 'utf8')));
 * ```
 */
export function serializeResult(result: unknown, options: SerializeOptions = {}): SerializedResult {
  histEncoder = options.hist;
  try {
    return { type: 'cortado.Result', version: 1, value: encode(result, []) };
  } finally {
    histEncoder = undefined;
  }
}

/** Options of {@link serializeResult}. */
export interface SerializeOptions {
  /** Encodes each `Hist` instead of `{ $type: 'cortado.Hist', value: hist.toJSON() }` (the journal keeps cells in binary). */
  hist?: ((hist: Hist) => JsonValue) | undefined;
}

/** The `hist` option of the serializeResult call running now (encoding is synchronous). */
let histEncoder: ((hist: Hist) => JsonValue) | undefined;

function fail(what: string, got: unknown): never {
  throw new HistError('E_HIST_FORMAT', `Expected ${what} in a serialized result, got ${JSON.stringify(got)?.slice(0, 200)}`);
}

function decode(json: unknown): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(decode);
  const obj = json as Record<string, unknown>;
  if (!Object.hasOwn(obj, '$type')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = decode(v);
    return out;
  }
  const tag = obj.$type;
  switch (tag) {
    case 'cortado.Hist':
      return Hist.fromJSON(obj.value);
    case 'Map':
      if (!Array.isArray(obj.entries)) fail('Map entries [[key, value], ...]', obj);
      return new Map((obj.entries as unknown[]).map((e) => (Array.isArray(e) && e.length === 2 ? [decode(e[0]), decode(e[1])] : fail('a [key, value] pair', e))));
    case 'Set':
      if (!Array.isArray(obj.values)) fail('Set values [...]', obj);
      return new Set((obj.values as unknown[]).map(decode));
    case 'bigint':
      return typeof obj.value === 'string' ? BigInt(obj.value) : fail('a bigint as a decimal string', obj);
    case 'number':
      return typeof obj.value === 'string' ? Number(obj.value) : fail('a number as a string', obj);
    case 'undefined':
      return undefined;
    case 'EMPTY':
      return EMPTY;
    case 'record': {
      if (typeof obj.value !== 'object' || obj.value === null) fail('a record value', obj);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj.value as object)) out[k] = decode(v);
      return out;
    }
    case 'codec': {
      const codec = typeof obj.tag === 'string' ? codecForTag(obj.tag) : undefined;
      if (!codec) fail(`a registered codec tag (import the module that registers '${String(obj.tag)}')`, obj.tag);
      return codec.decode(decode(obj.data));
    }
    default:
      if (typeof tag === 'string' && tag in TYPED_ARRAYS && Array.isArray(obj.values)) {
        return TYPED_ARRAYS[tag as TypedArrayName].from(decode(obj.values) as number[]);
      }
      return fail('a known $type (cortado.Hist, Map, Set, bigint, number, undefined, EMPTY, record, codec, a typed array)', tag);
  }
}

/**
 * Rebuilds a result tree from {@link serializeResult} output (`E_HIST_FORMAT` when the JSON does
 * not fit). A bare histogram JSON (`type: 'cortado.Hist'`) is accepted too and gives a `Hist`.
 */
export function deserializeResult(json: unknown): unknown {
  const env = json as Partial<SerializedResult> | null;
  if (env && typeof env === 'object' && (env as { type?: unknown }).type === 'cortado.Hist') return Hist.fromJSON(env);
  if (!env || typeof env !== 'object' || env.type !== 'cortado.Result' || env.version !== 1 || !('value' in env)) {
    fail("{ type: 'cortado.Result', version: 1, value }", json);
  }
  return decode(env.value);
}
