/**
 * Wire types of Thrift's compact protocol. Parquet's structs use none of set, map and UUID, but a
 * reader skips a field it does not know whatever its type, as Thrift's generated readers do.
 */
export const Wire = {
  Stop: 0,
  True: 1,
  False: 2,
  Byte: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  Double: 7,
  Binary: 8,
  List: 9,
  Set: 10,
  Map: 11,
  Struct: 12,
  Uuid: 13,
} as const;

/** One of the {@link Wire} types. */
export type WireType = (typeof Wire)[keyof typeof Wire];

/** Bytes that are not the Thrift compact protocol a reader expected: the message says where and why. */
export class ThriftError extends Error {
  override readonly name = 'ThriftError';
}

// Parquet's own structs nest 7 deep at most (FileMetaData > SchemaElement > LogicalType >
// TimestampType > TimeUnit > MilliSeconds); deeper skipping would only serve corrupt bytes.
const MAX_DEPTH = 32;
const utf8 = new TextDecoder();
/** ASCII texts this thread decoded, by a hash of their bytes (a newer text replaces an older one of the same hash). */
const texts = new Map<number, string>();
const MAX_TEXTS = 1 << 16;

/**
 * A cursor over Thrift compact-protocol bytes (a Parquet footer): a decoder reads the fields it
 * wants with the typed reads and {@link CompactReader.skip}s the others, which allocates nothing.
 * Every read is bounds-checked, every count is checked against the bytes left (an element takes
 * at least one byte), and nesting is capped, so corrupt bytes throw {@link ThriftError}, never
 * read past the end, allocate a huge array or recurse without bound.
 *
 * @example
 * ```ts
 * const reader = new CompactReader(bytes);
 * for (let id = reader.field(0); id >= 0; id = reader.field(id)) {
 *   if (id === 3) rows = reader.i64(); else reader.skip();
 * }
 * ```
 */
export class CompactReader {
  /** Offset of the next byte to read. */
  pos = 0;
  /** Wire type of the field {@link CompactReader.field} read last. */
  type: number = Wire.Stop;
  readonly #bytes: Uint8Array;
  readonly #end: number;

  constructor(bytes: Uint8Array) {
    // A plain view: a Node Buffer's `subarray` costs more.
    this.#bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    this.#end = bytes.length;
  }

  /** Throws a {@link ThriftError} at the current offset. */
  fail(reason: string): never {
    throw new ThriftError(`${reason} at byte ${this.pos} of ${this.#end}`);
  }

  #byte(): number {
    if (this.pos >= this.#end) this.fail('Thrift data ends inside a value');
    return this.#bytes[this.pos++]!;
  }

  /**
   * Reads the next field header of a struct whose previous field id was `last` (0 at its start):
   * the field's id, or -1 at the struct's end. The wire type is left in {@link CompactReader.type}.
   */
  field(last: number): number {
    const head = this.#byte();
    const type = head & 0x0f;
    this.type = type;
    if (type === Wire.Stop) return -1;
    const delta = head >> 4;
    if (delta !== 0) return last + delta;
    const id = this.#zigzag32();
    // Parquet's structs number their fields from 1; a negative id would read as the struct's end.
    if (id < 0) this.fail(`Expected a field id from 0, got ${id}`);
    return id;
  }

  /** Throws unless the field just read has wire type `type` (`what` names it in the message). */
  expect(type: WireType, what: string): void {
    const boolean = type === Wire.True && this.type === Wire.False;
    if (this.type !== type && !boolean) this.fail(`Expected ${what} of Thrift type ${type}, got type ${this.type}`);
  }

  /** An unsigned varint of at most 5 bytes, as a signed 32-bit integer (as Thrift writes i32). */
  #varint32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.#byte();
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
    return this.fail('Expected a varint of at most 5 bytes, got more');
  }

  #zigzag32(): number {
    const n = this.#varint32();
    return (n >>> 1) ^ -(n & 1);
  }

  /** The value of an i8 field. */
  i8(): number {
    const byte = this.#byte();
    return byte > 0x7f ? byte - 0x100 : byte;
  }

  /**
   * The value of the integer field just read (`what` names it in the error on another type),
   * whatever width its writer gave it: the IDL's is no promise (hyparquet-writer writes every
   * number as an i32, IntType's i8 `bitWidth` too), and each width holds its value exactly.
   */
  int(what: string): number {
    switch (this.type) {
      case Wire.Byte:
        return this.i8();
      case Wire.I16:
      case Wire.I32:
        return this.#zigzag32();
      case Wire.I64:
        return this.i64();
      default:
        return this.fail(`Expected ${what} of a Thrift integer type, got type ${this.type}`);
    }
  }

  /**
   * The value of an i64 field as a number: exact, since values past ±2^52 (no Parquet offset or
   * count reaches them) throw rather than round.
   */
  i64(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.#byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) this.fail('Expected a 64-bit integer within ±2^52, got a larger one');
        return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      }
      scale *= 128;
    }
    return this.fail('Expected a varint of at most 10 bytes, got more');
  }

  /** The value of a bool field (held in its header's wire type). */
  bool(): boolean {
    return this.type === Wire.True;
  }

  /** The value of a binary field as UTF-8 text. */
  string(): string {
    const length = this.#length();
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    const bytes = this.#bytes;
    let hash = length;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return utf8.decode(bytes.subarray(start, end));
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    // ASCII (nearly every name): a footer names each column twice, and a dataset's files name the
    // same columns, so the thread keeps the texts it decoded (decoding each took ~40% of the
    // decoder's time); equal bytes give the held string.
    const held = texts.get(hash);
    if (held !== undefined && held.length === length) {
      let i = 0;
      while (i < length && held.charCodeAt(i) === bytes[start + i]) i++;
      if (i === length) return held;
    }
    const text = utf8.decode(bytes.subarray(start, end));
    if (texts.size >= MAX_TEXTS) texts.clear();
    texts.set(hash, text);
    return text;
  }

  /** A length or count that must fit in the bytes left (every element takes at least one byte). */
  #length(): number {
    const n = this.#varint32() >>> 0;
    if (n > this.#end - this.pos) this.fail(`Expected at most ${this.#end - this.pos} more bytes or elements, got a count of ${n}`);
    return n;
  }

  /** Reads a list (or set) header: the element count; the elements' wire type is left in {@link CompactReader.type}. */
  list(): number {
    const head = this.#byte();
    this.type = head & 0x0f;
    return (head >> 4) === 15 ? this.#length() : head >> 4;
  }

  /**
   * Reads the header of a list field whose elements must be of wire type `type` (`what` names
   * them): the element count. An empty list may name any type (hyparquet-writer writes 0 there).
   */
  elements(type: WireType, what: string): number {
    const n = this.list();
    if (n > 0) this.expect(type, what);
    return n;
  }

  /** Skips the value of the field just read (of wire type {@link CompactReader.type}). */
  skip(): void {
    this.#skip(this.type, 0);
  }

  #skip(type: number, depth: number): void {
    switch (type) {
      case Wire.True:
      case Wire.False:
        return;
      case Wire.Byte:
        this.#advance(1);
        return;
      case Wire.I16:
      case Wire.I32:
      case Wire.I64:
        for (let i = 0; this.#byte() >= 0x80; i++) if (i === 9) this.fail('Expected a varint of at most 10 bytes, got more');
        return;
      case Wire.Double:
        this.#advance(8);
        return;
      case Wire.Uuid:
        this.#advance(16);
        return;
      case Wire.Binary:
        this.#advance(this.#length());
        return;
      case Wire.List:
      case Wire.Set: {
        if (depth >= MAX_DEPTH) this.fail(`Expected Thrift values nested at most ${MAX_DEPTH} deep, got deeper`);
        const n = this.list();
        const each = element(this.type);
        for (let i = 0; i < n; i++) this.#skip(each, depth + 1);
        return;
      }
      case Wire.Map: {
        if (depth >= MAX_DEPTH) this.fail(`Expected Thrift values nested at most ${MAX_DEPTH} deep, got deeper`);
        // An empty map is its count alone (one byte, 0); a key-value type byte follows any other.
        const n = this.#length();
        if (n === 0) return;
        const types = this.#byte();
        const key = element(types >> 4);
        const value = element(types & 0x0f);
        for (let i = 0; i < n; i++) {
          this.#skip(key, depth + 1);
          this.#skip(value, depth + 1);
        }
        return;
      }
      case Wire.Struct: {
        if (depth >= MAX_DEPTH) this.fail(`Expected Thrift values nested at most ${MAX_DEPTH} deep, got deeper`);
        for (let id = this.field(0); id >= 0; id = this.field(id)) this.#skip(this.type, depth + 1);
        return;
      }
      default:
        this.fail(`Expected a Thrift compact-protocol type (1 to 13), got type ${type}`);
    }
  }

  #advance(n: number): void {
    if (n > this.#end - this.pos) this.fail(`Thrift data ends inside a value of ${n} bytes`);
    this.pos += n;
  }
}

/** How an element of a list, set or map of element type `type` is skipped: booleans take a byte each there, unlike a struct's. */
function element(type: number): number {
  return type === Wire.True || type === Wire.False ? Wire.Byte : type;
}
