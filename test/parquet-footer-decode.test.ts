/**
 * cortado's own Parquet footer decoder (`decodeFooter`) against hyparquet's `parquetMetadata`, the
 * parser it replaced: every field cortado reads, on every Parquet file of the shared data and on
 * files DuckDB and hyparquet-writer write here; and on corrupt footers, a `ThriftError` (an
 * `IoError` naming the file through `readFooter`), never another error and never a hang.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, type FileMetaData, type SchemaElement } from 'hyparquet';
import { ByteWriter, parquetWriteFile } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { IoError } from '../src/io/errors.ts';
import { describeMetadata, packDescription } from '../src/io/parquet/description.ts';
import { FileReader } from '../src/io/parquet/file-reader.ts';
import { decodeFooter, type FooterMetadata } from '../src/io/parquet/footer-metadata.ts';
import { readFooter } from '../src/io/parquet/footer.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { ThriftError } from '../src/io/parquet/thrift.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

async function parquetFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await parquetFiles(path)));
    else if (entry.name.endsWith('.parquet')) out.push(path);
  }
  return out.sort();
}

/** The Thrift bytes of a whole file's footer (before its length and PAR1). */
function footerOf(bytes: Uint8Array): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
  return bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
}

const num = (value: number | bigint | undefined): number | undefined => (value === undefined ? undefined : Number(value));

/** Every field cortado reads of a footer, in one comparable form. */
function used(metadata: FooterMetadata | FileMetaData): unknown {
  return {
    num_rows: num(metadata.num_rows),
    schema: metadata.schema.map((e) => ({
      type: e.type,
      repetition_type: e.repetition_type,
      name: e.name,
      num_children: e.num_children,
      converted_type: e.converted_type,
      logical: e.logical_type?.type,
      bitWidth: e.logical_type?.type === 'INTEGER' ? e.logical_type.bitWidth : undefined,
      isSigned: e.logical_type?.type === 'INTEGER' ? e.logical_type.isSigned : undefined,
    })),
    row_groups: metadata.row_groups.map((g) => ({
      num_rows: num(g.num_rows),
      columns: g.columns.map(({ file_path: file, meta_data: m }) => ({
        file,
        meta: m && {
          path_in_schema: m.path_in_schema,
          codec: m.codec,
          num_values: num(m.num_values),
          total_compressed_size: num(m.total_compressed_size),
          data_page_offset: num(m.data_page_offset),
          dictionary_page_offset: num(m.dictionary_page_offset),
        },
      })),
    })),
  };
}

describeWithData('Parquet footers decoded by cortado: the values hyparquet reads, and coded errors on corrupt bytes', () => {
  let dir: string;
  const written: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-footer-'));
    // DuckDB: logical types of every kind, nested lists and structs, a map, dictionaries, statistics, 3 row groups.
    const duckPath = join(dir, 'duckdb.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const duck = await db.connect();
    try {
      await duck.run(`COPY (SELECT (i % 100)::TINYINT AS i8, (i % 200)::UTINYINT AS u8, i::SMALLINT AS i16, i::USMALLINT AS u16, i::INTEGER AS i32,
          i::UINTEGER AS u32, i::BIGINT AS i64, i::UBIGINT AS u64, i::FLOAT AS f, i::DOUBLE AS d, i % 2 = 0 AS b,
          'név ' || (i % 7) AS s, (i / 8)::DECIMAL(9, 3) AS dec, DATE '2020-01-01' + i::INTEGER AS day,
          TIMESTAMP '2020-01-01' + INTERVAL (i) SECOND AS ts, [i, i + 1] AS l, [[i]] AS ll, {'a': i, 'b': [i::FLOAT]} AS st,
          MAP {'k': i} AS m, CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS maybe
        FROM range(3000) t(i)) TO '${duckPath}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000)`);
    } finally {
      duck.closeSync();
      db.closeSync();
    }
    written.push(duckPath);
    // hyparquet-writer (cortado's demo writer): jagged and flat columns, an empty row group.
    const ownPath = join(dir, 'hyparquet-writer.parquet');
    const writer = new ColumnarParquetWriter(ownPath, [{ name: 'Muon_pt', type: 'FLOAT', jagged: true }, { name: 'n', type: 'INT32', jagged: false }]);
    for (const rows of [3, 0, 2]) {
      writer.writeGroup(rows, [
        { name: 'Muon_pt', type: 'FLOAT', values: Float32Array.from({ length: 2 * rows }, (_, i) => i), offsets: Int32Array.from({ length: rows + 1 }, (_, i) => 2 * i) },
        { name: 'n', type: 'INT32', values: Int32Array.from({ length: rows }, (_, i) => i) },
      ]);
    }
    writer.finish();
    written.push(ownPath);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads every field cortado uses as hyparquet does, in every Parquet file of the shared data and of three writers', async () => {
    const files = [...(await parquetFiles(DATA_DIR)), ...written];
    let compared = 0;
    const logical = new Set<string>();
    for (const path of files) {
      const bytes = await readFile(path);
      let expected: FileMetaData;
      try {
        expected = parquetMetadata(bytes, { geoparquet: false });
      } catch {
        // A file hyparquet rejects (a malformed sample) is rejected with a coded error.
        await expect(FileReader.open(path).then((file) => readFooter(file).finally(() => file.close()))).rejects.toMatchObject({ code: 'E_IO_MALFORMED', path });
        continue;
      }
      const got = decodeFooter(footerOf(bytes));
      for (const e of got.schema) if (e.logical_type !== undefined) logical.add(e.logical_type.type === 'INTEGER' ? `INTEGER${e.logical_type.bitWidth}${e.logical_type.isSigned ? '' : 'u'}` : e.logical_type.type);
      expect(used(got), path).toEqual(used(expected));
      // And the description built from each, what the readers use, is the same text.
      expect(packDescription(describeMetadata(path, got, 'u')), path).toBe(packDescription(describeMetadata(path, expected, 'u')));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(17);
    expect([...logical]).toEqual(expect.arrayContaining(['DECIMAL', 'TIMESTAMP', 'LIST', 'INTEGER8', 'INTEGER8u', 'INTEGER16', 'INTEGER16u', 'INTEGER32u', 'INTEGER64u']));
  }, 60_000);

  /** Writes a file of `metadata` alone (PAR1, footer, its length, PAR1) into the test's folder; its path. */
  async function writeFooterOnly(name: string, metadata: FileMetaData): Promise<string> {
    const writer = new ByteWriter();
    writer.appendUint32(0x31524150);
    writeMetadata(writer, metadata);
    writer.appendUint32(0x31524150);
    const path = join(dir, name);
    await writeFile(path, writer.getBytes());
    return path;
  }

  it('refuses a dataset\'s _metadata summary, whose column chunks lie in other files, with E_IO_UNSUPPORTED naming it', async () => {
    // pyarrow's write_metadata writes one: the data files' row groups, each column chunk with the file_path of its file.
    const data = await readFile(written[1]!);
    const metadata = parquetMetadata(data, { geoparquet: false });
    const summary: FileMetaData = { ...metadata, row_groups: metadata.row_groups.map((g) => ({ ...g, columns: g.columns.map((c) => ({ ...c, file_path: 'part-0.parquet' })) })) };
    const path = await writeFooterOnly('_metadata.parquet', summary);
    const bytes = await readFile(path);
    const got = decodeFooter(footerOf(bytes));
    expect(got.row_groups[0]!.columns[0]!.file_path).toBe('part-0.parquet');
    expect(used(got)).toEqual(used(parquetMetadata(bytes, { geoparquet: false })));
    const error = await openParquet(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect(error).toMatchObject({ code: 'E_IO_UNSUPPORTED', path, message: expect.stringContaining('part-0.parquet') });
  });

  it('refuses a file with encrypted column chunks (Parquet modular encryption, plaintext footer) with E_IO_UNSUPPORTED naming the file and column', async () => {
    // With a plaintext footer, an encrypted column keeps readable offsets and codec in meta_data
    // but its pages are ciphertext; its ColumnChunk carries crypto_metadata (8) and
    // encrypted_column_metadata (9). hyparquet-writer writes the latter.
    const data = await readFile(written[1]!);
    const metadata = parquetMetadata(data, { geoparquet: false });
    const encrypted: FileMetaData = {
      ...metadata,
      row_groups: metadata.row_groups.map((g) => ({ ...g, columns: g.columns.map((c, i) => (i === 0 ? { ...c, encrypted_column_metadata: new Uint8Array([7, 7, 7]) } : c)) })),
    };
    const path = await writeFooterOnly('encrypted.parquet', encrypted);
    const got = decodeFooter(footerOf(await readFile(path)));
    expect(got.row_groups[0]!.columns.map((c) => c.encrypted === true)).toEqual(metadata.row_groups[0]!.columns.map((_, i) => i === 0));
    const column = metadata.row_groups[0]!.columns[0]!.meta_data!.path_in_schema.join('.');
    const error = await openParquet(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect(error).toMatchObject({ code: 'E_IO_UNSUPPORTED', path, message: expect.stringContaining(`column ${column} encrypted`) });
  });

  it('refuses a file whose footer is encrypted (magic bytes PARE) with E_IO_UNSUPPORTED, not as a corrupt file', async () => {
    const bytes = new Uint8Array(await readFile(written[1]!));
    const pare = new TextEncoder().encode('PARE');
    bytes.set(pare, 0);
    bytes.set(pare, bytes.length - 4);
    const path = join(dir, 'encrypted-footer.parquet');
    await writeFile(path, bytes);
    const error = await openParquet(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect(error).toMatchObject({ code: 'E_IO_UNSUPPORTED', path, message: expect.stringContaining('footer is encrypted') });
  });

  /** A footer of Thrift bytes: a FileMetaData with a schema of one root, num_rows 0, no row groups, then `extra`. */
  function tiny(...extra: number[]): Uint8Array {
    // field 2 (list of 1 struct: name "r" as field 4, stop), field 3 (i64 0), field 4 (empty list of structs).
    return Uint8Array.from([0x29, 0x1c, 0x48, 0x01, 0x72, 0x00, 0x16, 0x00, 0x19, 0x0c, ...extra, 0x00]);
  }

  it('decodes a hand-written footer and skips fields it does not read, nested ones included', () => {
    expect(decodeFooter(tiny())).toEqual({ schema: [expect.objectContaining({ name: 'r' })], num_rows: 0, row_groups: [] });
    // Field 6 (created_by, binary "ab"), then field 10 of a list of two structs each holding a list of bytes.
    const skipped = decodeFooter(tiny(0x28, 0x02, 0x61, 0x62, 0x49, 0x2c, 0x19, 0x23, 0x01, 0x02, 0x00, 0x00));
    expect(skipped.num_rows).toBe(0);
    // Field 1 (a list of two booleans, a byte each), the schema, num_rows -2 (zigzag 3), an explicit field id 300 (an i32), no row groups (id 4, explicit).
    const listed = decodeFooter(Uint8Array.from([0x19, 0x21, 0x01, 0x01, 0x19, 0x1c, 0x48, 0x01, 0x72, 0x00, 0x16, 0x03, 0x05, 0xd8, 0x04, 0x07, 0x09, 0x08, 0x0c, 0x00]));
    expect(listed).toEqual({ schema: [expect.objectContaining({ name: 'r' })], num_rows: -2, row_groups: [] });
    // Types Parquet's structs do not use, in fields it does not know: an empty map (one byte), a
    // map of two binary keys to booleans (a byte each), a set of two i32s, a UUID (16 bytes); then
    // num_rows again (field 3, long form: it follows field 9), 2, which the skips must reach.
    const other = decodeFooter(tiny(0x2b, 0x00, 0x1b, 0x02, 0x81, 0x01, 0x61, 0x01, 0x01, 0x62, 0x00, 0x1a, 0x25, 0x02, 0x04, 0x1d, ...new Array<number>(16).fill(0xab), 0x06, 0x06, 0x04));
    expect(other.num_rows).toBe(2);
  });

  it('reads integers of any Thrift width and empty lists of any element type, as hyparquet-writer writes them', async () => {
    // hyparquet-writer writes IntType.bitWidth (an i8) as an i32, and an empty list (no row groups) with element type 0.
    const path = join(dir, 'hyparquet-writer-widths.parquet');
    const schema: SchemaElement[] = [
      { name: 'root', num_children: 1 },
      { name: 'u8', type: 'INT32', repetition_type: 'REQUIRED', logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: false } },
    ];
    parquetWriteFile({ filename: path, schema, columnData: [{ name: 'u8', data: Int32Array.from([1, 200]) }] });
    const emptyPath = join(dir, 'hyparquet-writer-empty.parquet');
    parquetWriteFile({ filename: emptyPath, schema, columnData: [{ name: 'u8', data: new Int32Array(0) }] });
    for (const file of [path, emptyPath]) {
      const bytes = await readFile(file);
      expect(used(decodeFooter(footerOf(bytes))), file).toEqual(used(parquetMetadata(bytes, { geoparquet: false })));
    }
    {
      await using source = await openParquet(path);
      expect(source.branches).toEqual([{ name: 'u8', kind: 'uint8', jagged: false }]);
      expect(Array.from((await source.read(['u8'], 0, 2)).u8 as Uint8Array)).toEqual([1, 200]);
    }
    await using empty = await openParquet(emptyPath);
    expect([empty.entries, empty.clusters]).toEqual([0, [0]]);
    // Every integer field read takes each width: i8, i16, i32 and i64 (num_rows 5 as an i8, then as an i16).
    expect(decodeFooter(Uint8Array.from([0x29, 0x1c, 0x48, 0x01, 0x72, 0x00, 0x13, 0x05, 0x19, 0x0c, 0x00])).num_rows).toBe(5);
    expect(decodeFooter(Uint8Array.from([0x29, 0x1c, 0x48, 0x01, 0x72, 0x00, 0x14, 0x0a, 0x19, 0x0c, 0x00])).num_rows).toBe(5);
  });

  it('decodes names of equal length and equal hash in the thread\'s text table as themselves, and UTF-8 names', () => {
    // "Jet_42vu" and "Jet_fuea" share the table's 32-bit hash.
    const names = ['Jet_42vu', 'Jet_fuea', 'Jet_42vu', 'név', 'Jet_fuea'];
    const elements = names.flatMap((name) => {
      const bytes = new TextEncoder().encode(name);
      return [0x48, bytes.length, ...bytes, 0x00];
    });
    const footer = Uint8Array.from([0x29, (names.length << 4) | 0x0c, ...elements, 0x16, 0x00, 0x19, 0x0c, 0x00]);
    for (let i = 0; i < 2; i++) expect(decodeFooter(footer).schema.map((e) => e.name)).toEqual(names);
  });

  it('throws a ThriftError, not a RangeError, on bad varints, lengths past the end, unknown types and deep nesting', () => {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['an i32 varint of 6 bytes', Uint8Array.from([0x29, 0x1c, 0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]), /at most 5 bytes/],
      ['a skipped varint of 11 bytes', tiny(0x25, ...new Array<number>(10).fill(0xff), 0x01), /at most 10 bytes/],
      ['an i64 varint of 11 bytes', tiny(0x16, ...new Array<number>(10).fill(0xff), 0x01), /at most 10 bytes/],
      ['an i64 beyond 2^52', Uint8Array.from([0x29, 0x1c, 0x48, 0x01, 0x72, 0x00, 0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x19, 0x0c, 0x00]), /within ±2\^52/],
      ['a string longer than the bytes left', tiny(0x28, 0x7f, 0x61), /more bytes or elements/],
      ['a list longer than the bytes left', tiny(0x29, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f), /more bytes or elements/],
      ['type 14', tiny(0x2e), /got type 14/],
      ['a map longer than the bytes left', tiny(0x2b, 0xff, 0xff, 0x03, 0x88), /more bytes or elements/],
      ['maps nested 40 deep', tiny(0x2b, ...Array.from({ length: 40 }, () => [0x01, 0xb8]).flat()), /nested at most 32 deep/],
      ['an integer field of type binary', Uint8Array.from([0x29, 0x1c, 0x18, 0x00]), /SchemaElement.type of a Thrift integer type, got type 8/],
      ['structs nested 40 deep', tiny(0x2c, ...new Array<number>(39).fill(0x1c), ...new Array<number>(40).fill(0x00)), /nested at most 32 deep/],
      ['lists nested 40 deep', tiny(0x29, ...new Array<number>(40).fill(0x19), 0x00), /nested at most 32 deep/],
      ['a negative field id', tiny(0x05, 0x01, 0x00), /field id from 0, got -1/],
      ['no schema', Uint8Array.from([0x36, 0x00, 0x19, 0x0c, 0x00]), /Expected FileMetaData with schema/],
      ['a name of the wrong type', Uint8Array.from([0x29, 0x1c, 0x45, 0x02, 0x00, 0x00]), /SchemaElement.name of Thrift type 8, got type 5/],
      ['nothing', new Uint8Array(0), /ends inside a value/],
      ['a struct without its end', tiny().subarray(0, 9), /ends inside a value/],
    ];
    for (const [what, bytes, message] of cases) {
      expect(() => decodeFooter(bytes), what).toThrow(ThriftError);
      expect(() => decodeFooter(bytes), what).toThrow(message);
    }
  });

  it('throws only ThriftErrors on every truncation and on random byte changes of a real footer', async () => {
    const footer = footerOf(await readFile(join(DATA_DIR, 'golden/gen/parquet/nulls_zstd_dict1.parquet')));
    const other = (error: unknown): boolean => !(error instanceof ThriftError);
    for (let cut = 0; cut < footer.length; cut++) {
      let error: unknown;
      try {
        decodeFooter(footer.subarray(0, cut));
      } catch (e) {
        error = e;
      }
      if (error === undefined || other(error)) throw new Error(`cut at ${cut} of ${footer.length}: ${String(error)}`);
    }
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let variant = 0; variant < 3000; variant++) {
      const bytes = Uint8Array.from(footer);
      for (let f = 1 + Math.floor(next() * 4); f > 0; f--) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      try {
        decodeFooter(bytes);
      } catch (error) {
        if (other(error)) throw new Error(`variant ${variant}: ${String(error)}`, { cause: error });
      }
    }
  });

  it('turns a footer that does not decode into E_IO_MALFORMED naming the file', async () => {
    const bytes = await readFile(join(DATA_DIR, 'nanoaod/nano_dimuon.parquet'));
    const length = bytes.readUInt32LE(bytes.length - 8);
    const corrupt = Buffer.from(bytes);
    // The first field header of the footer becomes type 14.
    corrupt[bytes.length - 8 - length] = 0x1e;
    const path = join(dir, 'type14.parquet');
    await writeFile(path, corrupt);
    const file = await FileReader.open(path);
    const error = await readFooter(file).finally(() => file.close()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect(error).toMatchObject({ code: 'E_IO_MALFORMED', path });
    expect((error as IoError).message).toContain(path);
    expect((error as IoError).message).toContain('got type 14');
  });
});
