import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { HttpFileSource, openByteSource, readRanges } from '../src/io/bytes/index.ts';
import type { Column } from '../src/io/columns.ts';
import { IoError } from '../src/io/errors.ts';
import { openSource } from '../src/io/open.ts';
import { openRootTree } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';

const PARQUET = join(DATA_DIR, 'nanoaod', 'nano_dy.parquet');
const FAST = { retryDelayMs: 1, timeoutMs: 2000 } as const;

let server: RangeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function failure(promise: Promise<unknown>): Promise<IoError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IoError);
  return error as IoError;
}

async function readEverything(path: string, options: object = {}): Promise<Record<string, Column>> {
  await using source = await openSource(path, 'Events', options);
  return source.read(source.branches.map((b) => b.name), 0, source.entries);
}

describeWithData('HTTP(S) byte source against a real node:http server', () => {
  it('reads exact ranges over keep-alive connections, bounded per host', async () => {
    server = await startRangeServer();
    const url = server.serve(PARQUET);
    const local = readFileSync(PARQUET);
    await using source = await openByteSource(url, { ...FAST, maxConnectionsPerHost: 2 });
    expect(source).toBeInstanceOf(HttpFileSource);
    expect(source.size).toBe(local.length);
    expect(source.identity).toContain('"v0-nano_dy.parquet"');
    const ranges = Array.from({ length: 40 }, (_, i) => ({ position: i * 1000, length: 100 + i }));
    const reads = await Promise.all(ranges.map((r) => source.read(r.position, r.length)));
    reads.forEach((bytes, i) => expect(Buffer.from(bytes)).toEqual(local.subarray(ranges[i]!.position, ranges[i]!.position + ranges[i]!.length)));
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(2);
    expect(server.stats.sockets).toBeLessThanOrEqual(2); // keep-alive: 41 requests over at most 2 connections
    const coalesced = await readRanges(source, [{ position: 10, length: 5 }, { position: 20, length: 5 }]);
    expect(Buffer.from(coalesced[1]!)).toEqual(local.subarray(20, 25));
    expect(await failure(source.read(local.length - 2, 4)).then((e) => e.code)).toBe('E_IO_TRUNCATED');
  });

  it('reads a Parquet file over HTTP equal to the local file, through openSource', async () => {
    server = await startRangeServer();
    const url = server.serve(PARQUET);
    const remote = await readEverything(url, FAST);
    expect(Object.keys(remote).length).toBeGreaterThan(10);
    expect(remote).toEqual(await readEverything(PARQUET));
  });

  it('gives the local result exactly through a flaky server (seeded 503s, dropped connections), retrying inside the reader', async () => {
    server = await startRangeServer({ seed: 42, error503: 0.25, dropBefore: 0.15, dropMiddle: 0.15 });
    const url = server.serve(PARQUET);
    const local = await readEverything(PARQUET);
    await using source = await openSource(url, 'Events', { ...FAST, maxAttempts: 20 });
    const remote = await source.read(Object.keys(local), 0, source.entries);
    // Then column by column (many small requests, so many faults) for a sample of columns.
    const names = Object.keys(local).filter((n, i) => i % 40 === 0 || n.startsWith('Muon_'));
    for (const name of names) expect((await source.read([name], 0, source.entries))[name]).toEqual(local[name]);
    expect(server.stats.faults).toBeGreaterThan(5);
    expect(remote).toEqual(local);
  });

  it('maps failures to stable codes: 404, persistent 503, no range support, stalls', async () => {
    server = await startRangeServer();
    const url = server.serve(PARQUET);
    const missing = await failure(openByteSource(`${server.url}/nope.parquet`, FAST));
    expect(missing.code).toBe('E_IO_HTTP_404');
    expect(missing.details.status).toBe(404);
    expect(missing.message).toContain('/nope.parquet');

    server.options.status = 503;
    const before = server.stats.requests;
    const busy = await failure(openByteSource(url, { ...FAST, maxAttempts: 3 }));
    expect(busy.code).toBe('E_IO_HTTP_503');
    expect(server.stats.requests - before).toBe(3);
    delete server.options.status;

    server.options.ignoreRange = true;
    const noRange = await failure(openByteSource(url, FAST));
    expect(noRange.code).toBe('E_IO_HTTP_NO_RANGE');
    expect(noRange.message).toContain('does not support range requests');
    delete server.options.ignoreRange;

    server.options.stall = true;
    const started = Date.now();
    const stalled = await failure(openByteSource(url, { timeoutMs: 150, maxAttempts: 2, retryDelayMs: 1 }));
    expect(stalled.code).toBe('E_IO_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(20_000); // two 150 ms attempts, not the 60 s default (a loaded machine stretches the former to seconds)
  });

  it('detects a file replaced on the server while open: E_FILE_CHANGED', async () => {
    server = await startRangeServer();
    const url = server.serve(PARQUET, 'data.parquet');
    await using source = await openByteSource(url, FAST);
    await source.read(0, 4);
    server.replace('data.parquet', readFileSync(PARQUET));
    const changed = await failure(source.read(0, 4));
    expect(changed.code).toBe('E_FILE_CHANGED');
    expect(changed.path).toBe(url);
  });

  it('sends a bearer token from the option or CORTADO_HTTP_TOKEN, and never shows credentials', async () => {
    server = await startRangeServer({ bearerToken: 's3cret-token' });
    const url = server.serve(PARQUET);
    const denied = await failure(openByteSource(url, FAST));
    expect(denied.code).toBe('E_IO_HTTP_401');
    await using viaOption = await openByteSource(url, { ...FAST, bearerToken: 's3cret-token' });
    expect(server.lastHeaders?.authorization).toBe('Bearer s3cret-token');
    process.env.CORTADO_HTTP_TOKEN = 's3cret-token';
    try {
      await using viaEnv = await openByteSource(url, FAST);
      expect(viaEnv.size).toBe(viaOption.size);
    } finally {
      delete process.env.CORTADO_HTTP_TOKEN;
    }
    const withUser = url.replace('http://', 'http://alice:hunter2@');
    const basic = await failure(openByteSource(withUser, FAST));
    expect(server.lastHeaders?.authorization).toBe(`Basic ${Buffer.from('alice:hunter2').toString('base64')}`);
    expect(basic.path).not.toContain('hunter2');
    expect(basic.message).not.toContain('hunter2');
    expect(JSON.stringify({ ...basic, stack: basic.stack })).not.toContain('s3cret');
  });

  it('stops requests in flight on close: E_IO_CLOSED', async () => {
    server = await startRangeServer();
    const url = server.serve(PARQUET);
    const source = await openByteSource(url, FAST);
    server.options.stall = true;
    const pending = source.read(0, 100);
    await new Promise((r) => setTimeout(r, 20));
    await source.close();
    expect((await failure(pending)).code).toBe('E_IO_CLOSED');
  });
});

describeWithData('ROOT files over HTTP', () => {
  const ROOT = join(DATA_DIR, 'nanoaod', 'nano_dimuon.root');

  it('reads every branch of a NanoAOD ROOT file over HTTP equal to the local file', async () => {
    server = await startRangeServer();
    const url = server.serve(ROOT);
    expect(await readEverything(url)).toEqual(await readEverything(ROOT));
  });

  it('takes the byte-source options in openRootTree: a bearer token, a timeout', async () => {
    server = await startRangeServer({ bearerToken: 'root-token' });
    const url = server.serve(ROOT);
    expect((await failure(openRootTree(url, 'Events', { timeoutMs: 2000 }))).code).toBe('E_IO_HTTP_401');
    await using events = await openRootTree(url, 'Events', { bearerToken: 'root-token', timeoutMs: 2000 });
    await using local = await openRootTree(ROOT, 'Events');
    expect(await events.read(['Muon_pt'], 0, events.entries)).toEqual(await local.read(['Muon_pt'], 0, local.entries));
  });

  it('reads an RNTuple over HTTP equal to the local file', async () => {
    const rntuple = join(DATA_DIR, 'nanoaod', 'nano_dimuon_rntuple.root');
    server = await startRangeServer();
    const url = server.serve(rntuple);
    const remote = await readEverything(url);
    expect(Object.keys(remote).length).toBeGreaterThan(10);
    expect(remote).toEqual(await readEverything(rntuple));
  });

  it('gives the local result exactly through a flaky server', async () => {
    // The ROOT reader uses the default 8 attempts: faults on ~20% of requests.
    server = await startRangeServer({ seed: 7, error503: 0.1, dropBefore: 0.05, dropMiddle: 0.05 });
    const url = server.serve(ROOT);
    process.env.CORTADO_IO_TIMEOUT_MS = '2000';
    try {
      const local = await readEverything(ROOT);
      await using source = await openSource(url, 'Events');
      const names = Object.keys(local).filter((n, i) => i % 25 === 0 || n.startsWith('Muon_'));
      for (const name of names) expect((await source.read([name], 0, source.entries))[name]).toEqual(local[name]);
      expect(server.stats.faults).toBeGreaterThan(3);
    } finally {
      delete process.env.CORTADO_IO_TIMEOUT_MS;
    }
  });
});
