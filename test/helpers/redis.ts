/**
 * A real `redis-server` on a free loopback port and real `cortado worker` processes, for the
 * cluster backend's tests. Tests skip with a message naming the apt package when redis-server is
 * missing, and fail instead when `CI` is set.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(REPO, 'bin/cortado.js');

/** Whether `redis-server` is on the PATH. */
export const hasRedis: boolean = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** `describe` when redis-server is installed; otherwise a visible skip (under `CI`, a failure). */
export function describeWithRedis(name: string, fn: () => void): void {
  if (hasRedis) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) throw new Error(`Expected redis-server on the PATH (CI is set; apt-get install redis-server), got none`);
  console.warn(`[skip] "${name}": redis-server is not installed (apt-get install redis-server)`);
  describe.runIf(false)(name, fn);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A redis-server this test started, stopped by `stop()`. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly password: string | undefined;
  /** The TLS options clients need (the CA), when the server speaks TLS only. */
  readonly tls: { ca: Buffer } | undefined;
  /** A client for looking at keys (closed by `stop()`). */
  client(): Redis;
  /** SIGKILL-free restart: SHUTDOWN (saving when persistence is on), then start again on the same port and folder. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** PEM files of a TLS server: its certificate and key, and the CA that signed it. */
export interface ServerCertificates {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/**
 * Starts redis-server on a free loopback port, in a temporary folder, with `noeviction`. With
 * `tls`, it listens with TLS only (`--port 0 --tls-port …`; clients need no certificate of their own)
 * and its URL is `rediss://`. With `port`, on that port (no other is tried).
 */
export async function startRedis(options: { password?: string; appendonly?: boolean; tls?: ServerCertificates; port?: number } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-redis-'));
  const tls = options.tls === undefined ? undefined : { ca: readFileSync(options.tls.ca) };
  const args = (port: number) => [
    ...(options.tls === undefined
      ? ['--port', String(port)]
      : ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key, '--tls-ca-cert-file', options.tls.ca, '--tls-auth-clients', 'no']),
    '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction',
    '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always',
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
  ];
  let server: ChildProcess | undefined;
  const clients: Redis[] = [];
  /**
   * Starts redis-server on `port` and waits until it answers; false when it exited instead (the port
   * was taken between freePort() and its bind: test files start servers at the same time). The probe
   * checks the answering server's pid, so another file's redis-server on the port does not pass for ours.
   */
  const launch = async (port: number): Promise<boolean> => {
    const started = spawn('redis-server', args(port), { stdio: 'ignore' });
    server = started;
    let exited = false;
    started.once('exit', () => (exited = true));
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(options.password ? { password: options.password } : {}), ...(tls ? { tls } : {}) });
    probe.on('error', () => {});
    try {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && !exited; ) {
        try {
          await probe.connect();
          const info = await probe.info('server');
          if (new RegExp(`^process_id:${started.pid}\\r?$`, 'm').test(info)) return true;
        } catch {
          // not listening yet
        }
        probe.disconnect();
        await sleep(25);
      }
      if (exited) return false;
      started.kill('SIGKILL');
      throw new Error(`Expected redis-server to answer on 127.0.0.1:${port} within 30 s, got no answer`);
    } finally {
      probe.disconnect();
    }
  };
  const shutdown = async (): Promise<void> => {
    const s = server;
    if (s === undefined || s.exitCode !== null) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGTERM'); // redis-server saves (AOF is already fsynced) and exits on SIGTERM
    await exited;
  };
  let port = 0;
  try {
    if (options.port !== undefined) {
      port = options.port;
      if (!(await launch(port))) throw new Error(`Expected redis-server to start on port ${port}, got an exit (the port was taken)`);
    }
    for (let attempt = 1; options.port === undefined; attempt++) {
      port = await freePort();
      if (await launch(port)) break;
      if (attempt === 5) throw new Error(`Expected redis-server to start on a free port, got an exit on each of 5 ports (the last ${port})`);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const auth = options.password === undefined ? '' : `:${options.password}@`;
  return {
    url: `${tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    port,
    password: options.password,
    tls,
    client() {
      const c = new Redis({ port, host: '127.0.0.1', ...(options.password ? { password: options.password } : {}), ...(tls ? { tls } : {}) });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    async restart(downMs = 500) {
      await shutdown();
      await sleep(downMs);
      if (!(await launch(port))) throw new Error(`Expected redis-server to start again on port ${port}, got an exit (the port was taken meanwhile)`);
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A spawned `cortado worker` process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed. */
  output(): string;
  /** Resolves when it logged that it takes batches. */
  readonly ready: Promise<void>;
  /** Resolves with the exit code (or signal) when it ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `ms` if still running. */
  stop(ms?: number): Promise<number | string>;
}

/** Spawns `node bin/cortado.js worker --redis <url> …` with short lock and stall settings. */
export function spawnWorker(url: string, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const root = extra.includes('--root') ? [] : ['--root', REPO];
  const args = [CLI, 'worker', '--redis', url, '--workers', '1', ...root, '--lock-ms', '1000', '--stalled-ms', '1000', '--grace-ms', '3000', ...extra];
  // CORTADO_WORKER_NODE_ARGS (e.g. `--cpu-prof`) lets a benchmark profile the workers.
  const nodeArgs = process.env.CORTADO_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.includes('taking batches')) onReady();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? -1)));
  const readyOrExit = Promise.race([ready, exited.then((code) => Promise.reject(new Error(`cortado worker exited (${code}) before it was ready:\n${text}`)))]);
  readyOrExit.catch(() => {}); // a test that expects the worker to fail awaits `exited` instead
  return {
    child,
    output: () => text,
    ready: readyOrExit,
    exited,
    async stop(ms = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Every key in the Redis, sorted (for counting what a task left behind). */
export async function allKeys(client: Redis): Promise<string[]> {
  return (await client.keys('*')).sort();
}

/**
 * Resolves once the cluster driver fixture (`test/fixtures/cluster/driver.ts`) has printed
 * `done N` with N ≥ 10 — some batches absorbed, most still queued — and stops listening to it;
 * gives what it printed until then.
 */
export async function untilDriverDone10(driver: { stdout: NodeJS.ReadableStream | null }): Promise<string> {
  let out = '';
  await new Promise<void>((resolve) => {
    driver.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/done (1\d|[2-9]\d)/.test(out)) resolve();
    });
  });
  driver.stdout!.removeAllListeners('data');
  return out;
}
