import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coalesce, LocalFileSource, openByteSource, readRanges, SpanBuffers } from '../src/io/bytes/index.ts';
import { IoError } from '../src/io/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const content = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) & 255);
const file = join(dir, 'data.bin');
writeFileSync(file, content);

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IoError);
    return (error as IoError).code;
  }
  return undefined;
}

describe('local byte source', () => {
  it('reads exact ranges, size and identity', async () => {
    await using source = await openByteSource(file);
    expect(source.size).toBe(content.length);
    expect(source.identity).toMatch(/^\d+:\d+:100000:/);
    expect([...(await source.read(12_345, 10))]).toEqual([...content.subarray(12_345, 12_355)]);
    expect((await source.read(0, 0)).length).toBe(0);
    expect(await codeOf(source.read(content.length - 5, 10))).toBe('E_IO_TRUNCATED');
    expect(await codeOf(source.read(-1, 10))).toBe('E_IO_MALFORMED');
  });

  it('coalesces nearby ranges and returns them in the order asked', async () => {
    expect(coalesce([{ position: 100, length: 10 }, { position: 0, length: 10 }, { position: 1000, length: 5 }], 100))
      .toEqual([{ position: 0, length: 110 }, { position: 1000, length: 5 }]);
    await using source = await openByteSource(file);
    const ranges = [{ position: 90_000, length: 300 }, { position: 5, length: 20 }, { position: 30, length: 4 }, { position: 40, length: 0 }];
    const views = await readRanges(source, ranges);
    views.forEach((view, i) => expect([...view]).toEqual([...content.subarray(ranges[i]!.position, ranges[i]!.position + ranges[i]!.length)]));
  });

  it('serves ranges read ahead from the span that holds them whole, and nothing else', () => {
    const spans = new SpanBuffers();
    spans.add(100, content.subarray(100, 200));
    spans.add(1000, content.subarray(1000, 1010));
    expect([...spans.get(150, 50)!]).toEqual([...content.subarray(150, 200)]);
    expect([...spans.get(1000, 10)!]).toEqual([...content.subarray(1000, 1010)]);
    expect(spans.get(150, 51)).toBeUndefined(); // runs past the span's end
    expect(spans.get(99, 2)).toBeUndefined(); // starts before the first span
    expect(spans.get(500, 4)).toBeUndefined(); // between spans
    expect(new SpanBuffers().get(0, 1)).toBeUndefined();
  });

  it('gives coded errors for a missing file, a directory, a read after close', async () => {
    expect(await codeOf(openByteSource(join(dir, 'missing.bin')))).toBe('ENOENT');
    expect(await codeOf(openByteSource(dir))).toBe('EISDIR');
    const source = await LocalFileSource.open(file);
    await source.close();
    await source.close();
    expect(await codeOf(source.read(0, 4))).toBe('E_IO_CLOSED');
  });

  it('ends an open stuck on a FIFO nobody writes to with E_IO_TIMEOUT, and frees the stuck thread', async () => {
    const fifo = join(dir, 'stalled.fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const error = await LocalFileSource.open(fifo, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_TIMEOUT');
    expect((error as IoError).path).toBe(fifo);
    expect((error as IoError).message).toContain(fifo);
    expect(Date.now() - started).toBeLessThan(20_000); // the 200 ms deadline, not the 60 s default (a loaded machine stretches the former to seconds)
    // The pool thread was released: a regular file still opens (libuv has 4 threads; 4 stuck would block it).
    for (let i = 0; i < 4; i++) await LocalFileSource.open(fifo, { timeoutMs: 100 }).catch(() => undefined);
    await using again = await LocalFileSource.open(file, { timeoutMs: 2000 });
    expect(again.size).toBe(content.length);
  });

  it('refuses a FIFO that has a writer: it is no regular file', async () => {
    const fifo = join(dir, 'written.fifo');
    execFileSync('mkfifo', [fifo]);
    const { open } = await import('node:fs/promises');
    const { constants } = await import('node:fs');
    let settled = false;
    const reading = LocalFileSource.open(fifo, { timeoutMs: 20_000 }).catch((e: unknown) => e).finally(() => (settled = true));
    // A non-blocking open for writing fails (ENXIO) until the reader's open is under way on a pool
    // thread, which a loaded machine may not start within a fixed 50 ms: try until it succeeds.
    let writer: Awaited<ReturnType<typeof open>> | undefined;
    while (writer === undefined && !settled) {
      writer = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
      if (writer === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    const error = await reading;
    await writer?.close();
    expect((error as IoError).code).toBe('E_IO_MALFORMED');
  });
});
