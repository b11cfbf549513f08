/**
 * A real HTTP server for tests and benchmarks: serves files with `Range` support, ETag and
 * Last-Modified, on 127.0.0.1 at a free port. Faults can be switched on: seeded random 503s,
 * connections dropped before or in the middle of an answer, stalls, ignoring ranges, a bearer
 * token to require. Counts requests, sockets and the most requests in flight at once.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename } from 'node:path';
import { seededRandom as random } from '../../src/testing/random.ts';

export interface RangeServerOptions {
  /** Seed of the fault generator (the same seed gives the same faults in the same order). */
  seed?: number;
  /** Fraction of requests answered 503. */
  error503?: number;
  /** Fraction of requests whose connection is destroyed before any answer. */
  dropBefore?: number;
  /** Fraction of requests whose connection is destroyed after half the body. */
  dropMiddle?: number;
  /** Answer ranged requests with 200 and the whole file. */
  ignoreRange?: boolean;
  /** Never answer (keep the request hanging). */
  stall?: boolean;
  /** Answer every request with this status. */
  status?: number;
  /** Require `Authorization: Bearer <token>` (401 otherwise). */
  bearerToken?: string;
}

export interface RangeServer {
  readonly url: string;
  /** Faults and behaviour, changeable while running. */
  readonly options: RangeServerOptions;
  readonly stats: { requests: number; sockets: number; inFlight: number; maxInFlight: number; faults: number; bytesSent: number };
  /** Headers of the last request. */
  lastHeaders: IncomingHttpHeaders | undefined;
  /** Serves `path` at `/<name>` (default: its base name); `etag` overrides the file's ETag. */
  serve(path: string, name?: string, etag?: string): string;
  /** Replaces the bytes served at `/<name>` (a new ETag and Last-Modified). */
  replace(name: string, bytes: Uint8Array): void;
  close(): Promise<void>;
}

/** Starts a range server; close it in `afterAll`. */
export async function startRangeServer(options: RangeServerOptions = {}): Promise<RangeServer> {
  const files = new Map<string, { bytes: Buffer; etag: string; modified: string }>();
  const rng = random(options.seed ?? 1);
  const sockets = new Set<Socket>();
  let version = 0;
  const state: RangeServer['stats'] = { requests: 0, sockets: 0, inFlight: 0, maxInFlight: 0, faults: 0, bytesSent: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    handle.lastHeaders = req.headers;
    const o = handle.options;
    if (o.stall) return;
    if (o.bearerToken !== undefined && req.headers.authorization !== `Bearer ${o.bearerToken}`) {
      res.writeHead(401).end();
      return;
    }
    if (o.status !== undefined) {
      res.writeHead(o.status).end();
      return;
    }
    const file = files.get(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1)));
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    const roll = rng();
    if (roll < (o.dropBefore ?? 0)) {
      state.faults++;
      req.socket.destroy();
      return;
    }
    if (roll < (o.dropBefore ?? 0) + (o.error503 ?? 0)) {
      state.faults++;
      res.writeHead(503, { 'Retry-After': '0' }).end('busy');
      return;
    }
    const headers = { ETag: file.etag, 'Last-Modified': file.modified, 'Accept-Ranges': 'bytes' };
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m || o.ignoreRange) {
      res.writeHead(200, { ...headers, 'Content-Length': file.bytes.length });
      state.bytesSent += file.bytes.length;
      res.end(file.bytes);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), file.bytes.length - 1);
    if (start >= file.bytes.length || end < start) {
      res.writeHead(416, { 'Content-Range': `bytes */${file.bytes.length}` }).end();
      return;
    }
    const body = file.bytes.subarray(start, end + 1);
    res.writeHead(206, { ...headers, 'Content-Length': body.length, 'Content-Range': `bytes ${start}-${end}/${file.bytes.length}` });
    if (roll < (o.dropBefore ?? 0) + (o.error503 ?? 0) + (o.dropMiddle ?? 0) && body.length > 1) {
      state.faults++;
      state.bytesSent += body.length >> 1;
      res.write(body.subarray(0, body.length >> 1), () => req.socket.destroy());
      return;
    }
    state.bytesSent += body.length;
    res.end(body);
  });
  server.on('connection', (socket) => {
    state.sockets++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const handle: RangeServer = {
    url: base,
    options: { ...options },
    stats: state,
    lastHeaders: undefined,
    serve(path, name = basename(path), etag) {
      files.set(name, { bytes: readFileSync(path), etag: etag ?? `"v${version++}-${name}"`, modified: new Date(0).toUTCString() });
      return `${base}/${encodeURIComponent(name)}`;
    },
    replace(name, bytes) {
      files.set(name, { bytes: Buffer.from(bytes), etag: `"v${version++}-${name}"`, modified: new Date().toUTCString() });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return handle;
}
