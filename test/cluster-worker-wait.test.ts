/**
 * `cortado worker` waiting for a Redis that does not answer its first connection: one line every
 * 10 s naming the URL (password blanked) and the last connection error, not one per reconnect; by
 * default it waits for ever; with `--redis-connect-timeout <seconds>` it exits as `cortado run`
 * does (exit code 3, `E_CLUSTER_UNREACHABLE`), on its own. Once Redis has answered, an outage
 * longer than that bound is waited through. No redis-server needed but for the last: nothing
 * listens on port 1 of the loopback, and placeholder servers drop every connection, or hold it
 * without a word.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectionErrorLines, watchFirstConnection, WAITING_LINE_MS } from '../src/backends/cluster/first-connection.ts';
import { describeWithRedis, spawnWorker, startRedis, type WorkerProcess } from './helpers/redis.ts';

const CLOSED = 'redis://cortado:secret@127.0.0.1:1';
/** Far beyond what any step takes: a worker still running then hangs. */
const HANG_MS = 60_000;

/** The worker's lines that say it is waiting for Redis. */
const waitingLines = (worker: WorkerProcess) => worker.output().split('\n').filter((l) => l.includes('is not answering'));

/** How the worker ended within `ms`: its exit code, or `killed` (SIGKILL) when it was still running then. */
async function ending(worker: WorkerProcess, ms = HANG_MS): Promise<{ code: number | string; killed: boolean }> {
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    worker.child.kill('SIGKILL');
  }, ms);
  const code = await worker.exited;
  clearTimeout(timer);
  return { code, killed };
}

/** Resolves once the worker has printed `n` waiting lines (rejects if it exits first, or after {@link HANG_MS}). */
async function untilWaitingLines(worker: WorkerProcess, n: number): Promise<void> {
  for (const deadline = Date.now() + HANG_MS; waitingLines(worker).length < n; ) {
    if (Date.now() > deadline || worker.child.exitCode !== null) throw new Error(`Expected ${n} waiting lines within ${HANG_MS} ms, got:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A placeholder server on a free loopback port, closed by the returned `close`. */
async function placeholder(onConnection: (socket: import('node:net').Socket) => void): Promise<{ port: number; close: () => void }> {
  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

// Each case waits on real 10 s timers in its own child process: run side by side, the file takes
// the longest case's time rather than their sum.
describe.concurrent('cortado worker: a Redis that never answers', () => {

  it('--redis-connect-timeout 5: says it waits, then exits on its own with E_CLUSTER_UNREACHABLE and exit code 3, as `cortado run` does; the password never shown', async () => {
    const worker = spawnWorker(CLOSED, ['--redis-connect-timeout', '5']);
    const { code, killed } = await ending(worker);
    expect(killed, `still running after ${HANG_MS} ms:\n${worker.output()}`).toBe(false);
    expect(code, worker.output()).toBe(3);
    const [waiting] = waitingLines(worker);
    expect(waiting).toMatch(/ Redis at redis:\/\/cortado:\*\*\*@127\.0\.0\.1:1\/? is not answering \(last error: connect ECONNREFUSED 127\.0\.0\.1:1\); still trying, for up to \d s more$/);
    // The last line: what went wrong, the stable code, the URL without its password, the last error, and the flag.
    expect(worker.output().trimEnd().split('\n').at(-1)).toMatch(
      /^error: Could not connect to the cluster's Redis: RedisUnreachableError \[E_CLUSTER_UNREACHABLE\]: Redis at redis:\/\/cortado:\*\*\*@127\.0\.0\.1:1\/? did not answer within 5000 ms \(connect ECONNREFUSED 127\.0\.0\.1:1\): .*--redis-connect-timeout <seconds>/,
    );
    expect(worker.output()).not.toContain('secret');
  }, HANG_MS + 30_000);

  it('a server that accepts and drops every connection: one waiting line every 10 s, not one per reconnect; then E_CLUSTER_UNREACHABLE naming the last error', async () => {
    let connections = 0;
    const { port, close } = await placeholder((socket) => {
      connections++;
      socket.destroy();
    });
    const worker = spawnWorker(`redis://cortado:secret@127.0.0.1:${port}`, ['--redis-connect-timeout', '12']);
    const { code, killed } = await ending(worker).finally(close);
    expect(killed, `still running after ${HANG_MS} ms:\n${worker.output()}`).toBe(false);
    expect(code, worker.output()).toBe(3);
    // ioredis reconnects about every second (each of the worker's connections): a line per attempt would be many more.
    expect(connections).toBeGreaterThanOrEqual(6);
    const lines = waitingLines(worker);
    // At the first connection error, then at 10 s; the 12 s bound ends the wait before a third.
    expect(lines, worker.output()).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(new RegExp(`Redis at redis://cortado:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? is not answering \\(last error: [^)]+\\); still trying, for up to \\d+ s more$`));
    expect(worker.output()).not.toMatch(/worker error/);
    expect(worker.output()).toMatch(new RegExp(`\\[E_CLUSTER_UNREACHABLE\\]: Redis at redis://cortado:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? did not answer within 12000 ms \\([^)]+\\)`));
    expect(worker.output()).not.toContain('secret');
  }, HANG_MS + 30_000);

  it('a server that accepts and never replies (no connection error at all), with --quiet: the waiting line is still shown; then E_CLUSTER_UNREACHABLE', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const { port, close } = await placeholder((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const worker = spawnWorker(`redis://cortado:secret@127.0.0.1:${port}`, ['--redis-connect-timeout', '11', '--quiet']);
    try {
      const { code, killed } = await ending(worker);
      expect(killed, `still running after ${HANG_MS} ms:\n${worker.output()}`).toBe(false);
      expect(code, worker.output()).toBe(3);
      expect(waitingLines(worker), worker.output()).toEqual([expect.stringMatching(new RegExp(`Redis at redis://cortado:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? is not answering \\(no reply yet\\); still trying, for up to \\d+ s more$`))]);
      expect(worker.output()).toMatch(new RegExp(`\\[E_CLUSTER_UNREACHABLE\\]: Redis at redis://cortado:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? did not answer within 11000 ms: expected a redis-server`));
      expect(worker.output()).not.toContain('secret');
    } finally {
      for (const socket of sockets) socket.destroy();
      close();
    }
  }, HANG_MS + 30_000);

  it('by default, waits for ever and says so every 10 s; SIGTERM still stops it at once (exit code 0)', async () => {
    const worker = spawnWorker(CLOSED, ['--grace-ms', String(10 * HANG_MS)]);
    try {
      await untilWaitingLines(worker, 2);
      expect(worker.child.exitCode).toBeNull();
      for (const line of waitingLines(worker)) expect(line).toMatch(/is not answering \(last error: connect ECONNREFUSED 127\.0\.0\.1:1\); still trying, with no time limit \(--redis-connect-timeout <seconds> sets one\)$/);
      expect(await worker.stop(HANG_MS), worker.output()).toBe(0);
      expect(worker.output()).not.toContain('secret');
    } finally {
      worker.child.kill('SIGKILL');
    }
  }, 2 * HANG_MS + 30_000);
});

describeWithRedis('cortado worker --redis-connect-timeout: only the first connection is bounded', () => {
  it('an outage longer than the bound, once Redis has answered, is waited through: the worker is back in Redis afterwards, and stops with exit code 0', async () => {
    const redis = await startRedis({ password: 'secret' });
    const worker = spawnWorker(redis.url, ['--redis-connect-timeout', '1']);
    try {
      await worker.ready;
      // Down for 3 s, three times the bound: the restarted Redis (no persistence) holds no key of the worker's until it reconnects.
      await redis.restart(3000);
      const client = redis.client();
      for (const deadline = Date.now() + HANG_MS; (await client.keys('cortado:w:*')).length === 0; ) {
        if (Date.now() > deadline || worker.child.exitCode !== null) throw new Error(`Expected the worker's heartbeat again within ${HANG_MS} ms, got:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(worker.output()).not.toMatch(/E_CLUSTER_UNREACHABLE|is not answering/);
      expect(await worker.stop(HANG_MS), worker.output()).toBe(0);
      expect(worker.output()).not.toContain('secret');
    } finally {
      worker.child.kill('SIGKILL');
      await redis.stop();
    }
  }, 2 * HANG_MS + 30_000);
});

describe('watchFirstConnection', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  /** A connection watched from its start: the waiting lines it printed, and the rejection once it comes. */
  const watched = (url: string, timeoutMs?: number) => {
    const connection = new EventEmitter();
    const lines: string[] = [];
    const first = watchFirstConnection(url, [connection], { ...(timeoutMs === undefined ? {} : { timeoutMs }), waiting: (l) => lines.push(l) });
    const outcome: { rejected?: unknown } = {};
    first.unreachable.catch((error: unknown) => (outcome.rejected = error));
    return { connection, lines, first, outcome };
  };

  it('says it waits at the first error and every 10 s after, rejects after the timeout with the last error, and stops when done', async () => {
    const { connection, lines, first, outcome } = watched('redis://:pw@h:1', 25_000);
    connection.emit('error', new Error('connect ECONNREFUSED h:1'));
    for (let i = 0; i < 20; i++) connection.emit('error', new Error(`attempt ${i}`));
    expect(lines).toEqual(['Redis at redis://:***@h:1 is not answering (last error: connect ECONNREFUSED h:1); still trying, for up to 25 s more']);
    await vi.advanceTimersByTimeAsync(2 * WAITING_LINE_MS);
    expect(lines.slice(1)).toEqual(['Redis at redis://:***@h:1 is not answering (last error: attempt 19); still trying, for up to 15 s more', 'Redis at redis://:***@h:1 is not answering (last error: attempt 19); still trying, for up to 5 s more']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(outcome.rejected).toMatchObject({ code: 'E_CLUSTER_UNREACHABLE', message: expect.stringMatching(/^Redis at redis:\/\/:\*\*\*@h:1\/? did not answer within 25000 ms \(attempt 19\)/) });
    first.done();
    expect(vi.getTimerCount()).toBe(0);
    expect(connection.listenerCount('error')).toBe(0);
  });

  it('names the errors of an AggregateError (a host tried at ::1 and 127.0.0.1), whose own message is empty', async () => {
    const { connection, lines, first, outcome } = watched('redis://localhost:1', 5000);
    // What Node (20+, autoSelectFamily) and ioredis give when no address of the host answers.
    connection.emit('error', new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], ''));
    const tried = 'connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1';
    expect(lines).toEqual([`Redis at redis://localhost:1 is not answering (last error: ${tried}); still trying, for up to 5 s more`]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(outcome.rejected).toMatchObject({ code: 'E_CLUSTER_UNREACHABLE', message: expect.stringContaining(`did not answer within 5000 ms (${tried})`) });
    first.done();
  });

  it('once Redis has answered: one worker error line per new error text, an AggregateError named by the addresses tried', () => {
    const lines: string[] = [];
    const onError = connectionErrorLines((l) => lines.push(l));
    const aggregate = () => new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], '');
    onError(aggregate());
    onError(aggregate());
    onError(new Error('read ECONNRESET'));
    onError(aggregate());
    const tried = 'worker error: connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1';
    expect(lines).toEqual([tried, 'worker error: read ECONNRESET', tried]);
  });

  it('without a timeout: never rejects, and done() (Redis answered) stops the lines', async () => {
    const { lines, first, outcome } = watched('redis://h:1');
    await vi.advanceTimersByTimeAsync(WAITING_LINE_MS);
    expect(lines).toEqual(['Redis at redis://h:1 is not answering (no reply yet); still trying, with no time limit (--redis-connect-timeout <seconds> sets one)']);
    first.done();
    await vi.advanceTimersByTimeAsync(100 * WAITING_LINE_MS);
    expect(lines).toHaveLength(1);
    expect('rejected' in outcome).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
