import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { generateDemoFileset } from '../src/io/demo/generate.ts';
import { REPO, runCli, startCli } from './fixtures/cli/run-cli.ts';

const FIXTURE = resolve(REPO, 'test/fixtures/dashboard/processors.ts');

describe('cortado run --dashboard and cortado dashboard', () => {
  let dir: string;
  let fileset: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-dashboard-cli-'));
    fileset = (await generateDemoFileset(join(dir, 'data'), { files: 1, eventsPerFile: 600, seed: 5 })).filesetPath;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says in one line that the dashboard port is taken, before computing anything', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = await runCli(['run', FIXTURE, '--export', 'flakyDimuon', '-f', fileset, '--out', join(dir, 'r.json'), '--dashboard', String(port), '--progress', 'none']);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([`error: Expected a free port for --dashboard, got ${port}, which is in use: pick another, or --dashboard alone for any free port`]);
    } finally {
      busy.close();
    }
  });

  it('binds another interface with --dashboard-host and prints a URL with a token', async () => {
    const cli = startCli(['run', FIXTURE, '--export', 'flakyDimuon', '-f', fileset, '--out', join(dir, 'r2.json'), '--dashboard-host', '0.0.0.0', '--progress', 'none', '--step-size', '300'], {
      env: { CORTADO_TEST_DELAY_MS: '200' },
    });
    await cli.waitFor(/dashboard: \S+/, 20_000);
    const url = /dashboard: (\S+)/.exec(cli.output().stderr)![1]!;
    expect(url).toMatch(/^http:\/\/localhost:\d+\/\?token=[0-9a-f]{32}$/);
    const port = new URL(url).port;
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(403);
    expect((await fetch(url.replace('localhost', '127.0.0.1'))).status).toBe(200);
    expect((await cli.done).code).toBe(0);
  });

  it('forwards the run\'s inspection events to a Stately WebSocket endpoint with --stately, and exits by itself', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => server.once('listening', r));
    const messages: Array<{ type: string; name?: string }> = [];
    server.on('connection', (socket) => socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string; name?: string })));
    try {
      const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
      const result = await runCli(['run', FIXTURE, '--export', 'flakyDimuon', '-f', fileset, '--out', join(dir, 'r3.json'), '--stately', url, '--progress', 'none'], {
        env: { CORTADO_TEST_DELAY_MS: '0' },
      });
      expect(result.code, result.stderr).toBe(0);
      await expect.poll(() => messages.find((m) => m.type === '@xstate.actor' && m.name === 'supervisor'), { timeout: 20_000, message: `no supervisor among ${messages.length} messages; stderr: ${result.stderr}` }).toBeDefined();
      expect(messages.filter((m) => m.type === '@xstate.event').length).toBeGreaterThan(0);
      expect(messages.filter((m) => m.type === '@xstate.snapshot').length).toBeGreaterThan(0);
    } finally {
      for (const client of server.clients) client.terminate();
      await new Promise((r) => server.close(r));
    }
    const bad = await runCli(['run', FIXTURE, '--export', 'flakyDimuon', '-f', fileset, '--out', join(dir, 'r4.json'), '--stately', 'http://x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Expected a WebSocket URL (ws://host:port or wss://…), got "http://x"');
  });

  it('refuses to replay a file that is not a trace, naming it', async () => {
    const notTrace = join(dir, 'result.json');
    writeFileSync(notTrace, '{"type":"cortado.Run"}\n');
    const result = await runCli(['dashboard', notTrace]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: Could not replay ${notTrace}: TraceFormatError [E_TRACE_FORMAT]: ${notTrace}: expected a cortado trace (JSONL, first a "meta" record), got {"type":"cortado.Run"} on line 1`);
  });
});
