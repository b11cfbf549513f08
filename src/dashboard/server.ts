import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameBuffer } from './frames.ts';
import type { HistsRecord, TraceRecord } from './records.ts';

const require = createRequire(import.meta.url);
const PAGE = fileURLToPath(new URL('./page/', import.meta.url));
const UPLOT = dirname(require.resolve('uplot'));

/** Files the page loads, all from the package: nothing from the network. */
const ASSETS: Record<string, { path: string; type: string }> = {
  '/': { path: join(PAGE, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { path: join(PAGE, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { path: join(PAGE, 'style.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': { path: join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { path: join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** Where the records come from: a live recorder, or a trace file being replayed. */
export interface RecordSource {
  readonly mode: 'live' | 'replay';
  /** Records so far, for a page that connects now. */
  history(): readonly TraceRecord[];
  /** New records as they come (live only); returns a function that stops them. */
  subscribe?(sink: (records: readonly TraceRecord[]) => void): () => void;
  /** Delivers the records made but not yet delivered to subscribers, now (they are in `history()` already). */
  flush?(): void;
  /** A task's merged histograms now (live only). */
  hists?(task: number): HistsRecord | undefined;
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Interface to bind. Anything but loopback requires a token in the URL. @defaultValue '127.0.0.1' */
  host?: string;
  /** Require this token (query `token`, or the cookie the page gets). @defaultValue random when `host` is not loopback */
  token?: string;
  /** Keep the process alive while serving (a replay); a live dashboard lives as long as its run. @defaultValue false */
  keepAlive?: boolean;
  /** Least milliseconds between two frames of records sent to the pages. @defaultValue 250 */
  frameMs?: number;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** The page's address (with `?token=` when one is needed). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Serves the dashboard page and its data: `/` and its assets (from the package and its
 * dependencies), `/api/stream` (server-sent events: the history, then frames of new records),
 * `/api/hists?task=N` (a task's merged histograms now). Server-sent events need no library and go
 * through SSH port forwarding and proxies as plain HTTP.
 *
 * New records are sent in frames at most every `frameMs` (250 ms): each frame holds the latest
 * state, event count and progress of each thing once (see {@link FrameBuffer}) and is serialised
 * once for every page that watches, so the cost to the run does not grow with the number of
 * inspection events or of pages.
 */
export async function startServer(source: RecordSource, options: ServerOptions = {}): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? (isLoopback(host) ? undefined : randomBytes(16).toString('hex'));
  const streams = new Set<ServerResponse>();
  const frameMs = options.frameMs ?? 250;
  const frame = new FrameBuffer();
  let frameAt = -Infinity;
  let frameTimer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  /** Sends what waits to every page now. */
  function sendFrame(): void {
    clearTimeout(frameTimer);
    frameTimer = undefined;
    if (frame.size === 0) return;
    frameAt = performance.now();
    const message = `data: ${JSON.stringify(frame.take())}\n\n`;
    for (const res of streams) res.write(message);
  }

  function onRecords(records: readonly TraceRecord[]): void {
    frame.push(records);
    const wait = frameAt + frameMs - performance.now();
    if (wait <= 0) sendFrame();
    else if (frameTimer === undefined) frameTimer = setTimeout(sendFrame, wait).unref();
  }
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (token !== undefined && !authorised(req, url, token)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('Expected the token from the URL the dashboard printed (?token=…)');
      return;
    }
    const security = {
      'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    };
    if (req.method !== 'GET') {
      res.writeHead(405, security);
      res.end();
      return;
    }
    const asset = ASSETS[url.pathname];
    if (asset !== undefined) {
      const headers: Record<string, string> = { ...security, 'content-type': asset.type };
      if (token !== undefined && url.pathname === '/') headers['set-cookie'] = `cortado_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      res.end(await readFile(asset.path));
      return;
    }
    if (url.pathname === '/api/stream') {
      res.writeHead(200, { ...security, 'content-type': 'text/event-stream', connection: 'keep-alive' });
      res.write(`event: hello\ndata: ${JSON.stringify({ mode: source.mode })}\n\n`);
      // Everything made so far goes to the pages already watching, so that the history this page
      // starts from is exactly what they have seen: no record is sent to it twice.
      source.flush?.();
      sendFrame();
      res.write(`data: ${JSON.stringify(source.history())}\n\n`);
      streams.add(res);
      unsubscribe ??= source.subscribe?.(onRecords);
      req.on('close', () => {
        streams.delete(res);
        if (streams.size === 0) {
          unsubscribe?.();
          unsubscribe = undefined;
          frame.take();
        }
      });
      return;
    }
    if (url.pathname === '/api/hists') {
      const hists = source.hists?.(Number(url.searchParams.get('task')));
      res.writeHead(hists === undefined ? 404 : 200, { ...security, 'content-type': 'application/json' });
      res.end(JSON.stringify(hists ?? null));
      return;
    }
    res.writeHead(404, { ...security, 'content-type': 'text/plain' });
    res.end('not found');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (options.keepAlive !== true) server.unref();
  const port = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/${token === undefined ? '' : `?token=${token}`}`;
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        source.flush?.();
        sendFrame();
        unsubscribe?.();
        unsubscribe = undefined;
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function authorised(req: IncomingMessage, url: URL, token: string): boolean {
  const given = url.searchParams.get('token') ?? /(?:^|;\s*)cortado_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (given === undefined || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}
