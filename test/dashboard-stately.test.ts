import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { inline } from '../src/backends/inline.ts';
import { dashboard } from '../src/dashboard/dashboard.ts';
import { statelyInspector, type StatelyMessage } from '../src/dashboard/stately.ts';
import { fromFunction } from '../src/protocol/computable.ts';

/** A local WebSocket endpoint standing in for a Stately inspector: it keeps every message. */
async function startEndpoint(): Promise<{ url: string; messages: StatelyMessage[]; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const messages: StatelyMessage[] = [];
  server.on('connection', (socket) => socket.on('message', (data) => messages.push(JSON.parse(String(data)) as StatelyMessage)));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

describe('forwarding to a Stately inspector over WebSocket', () => {
  it('delivers a run that ends before the connection is set up: close() waits for it to open and sends what waited', async () => {
    // An endpoint that takes 400 ms to accept: the run below is over long before.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (_info, accept) => void setTimeout(() => accept(true), 400) });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const messages: StatelyMessage[] = [];
    server.on('connection', (socket) => socket.on('message', (data) => messages.push(JSON.parse(String(data)) as StatelyMessage)));
    try {
      await using backend = inline();
      const stately = statelyInspector({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` });
      const task = stately.attach(backend.compute(fromFunction((x: number) => x + 1, [1, 2, 3])));
      expect(await task.result()).toBe(9);
      expect(stately.sent).toBe(0);
      await stately.close();
      expect(stately.dropped).toBe(0);
      expect(stately.sent).toBeGreaterThan(0);
      await expect.poll(() => messages.length, { timeout: 20_000 }).toBe(stately.sent);
      expect(messages.some((m) => m.type === '@xstate.actor' && m.name === 'supervisor')).toBe(true);
    } finally {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('delivers what waits when close() comes before the WebSocket module has even loaded', async () => {
    const endpoint = await startEndpoint();
    try {
      await using backend = inline();
      const stately = statelyInspector({ url: endpoint.url });
      // attach() queues the supervisor's actor message at once; close() follows in the same tick.
      stately.attach(backend.compute(fromFunction((x: number) => x + 1, [1, 2, 3])));
      await stately.close();
      expect(stately.dropped).toBe(0);
      expect(stately.sent).toBeGreaterThan(0);
      await expect.poll(() => endpoint.messages.find((m) => m.type === '@xstate.actor' && m.name === 'supervisor'), { timeout: 10_000 }).toBeDefined();
    } finally {
      await endpoint.close();
    }
  });

  it('sends the actors with their machine definitions, the events and the snapshots, in @statelyai/inspect format', async () => {
    const endpoint = await startEndpoint();
    try {
      await using backend = inline({ concurrency: 2 });
      const stately = statelyInspector({ url: endpoint.url });
      const task = stately.attach(backend.compute(fromFunction((x: number) => x * x, Array.from({ length: 40 }, (_, i) => i)), { batchSize: 4 }));
      expect(await task.result()).toBe(20540);
      await expect.poll(() => stately.sent, { timeout: 10_000 }).toBeGreaterThan(0);
      await stately.close();
      expect(stately.dropped).toBe(0);
      await expect.poll(() => endpoint.messages.length, { timeout: 20_000 }).toBe(stately.sent);
      const { messages } = endpoint;
      for (const m of messages) {
        expect(m).toMatchObject({ sessionId: expect.any(String), rootId: expect.any(String), createdAt: expect.stringMatching(/^\d+$/), _version: expect.any(String), id: null });
      }
      // The supervisor, its lanes and a reducer, each with its machine's definition.
      const actors = messages.filter((m) => m.type === '@xstate.actor');
      const supervisor = actors.find((m) => m.name === 'supervisor')!;
      expect(supervisor).toBeDefined();
      const definition = JSON.parse(supervisor.definition!) as { id: string; states: Record<string, unknown> };
      expect(definition.id).toBe('supervisor');
      expect(Object.keys(definition.states)).toEqual(expect.arrayContaining(['running', 'complete']));
      const lanes = actors.filter((m) => (JSON.parse(m.definition!) as { id: string }).id === 'lane');
      expect(lanes).toHaveLength(2);
      for (const lane of lanes) expect(lane.parentId).toBe(supervisor.sessionId);
      expect(actors.some((m) => (JSON.parse(m.definition!) as { id: string }).id === 'reducer')).toBe(true);
      // Events to lanes (RUN, with the batch as its id and size) and the supervisor's snapshots to its final state.
      const runs = messages.filter((m) => m.type === '@xstate.event' && (m.event as { type: string }).type === 'RUN');
      expect(runs.length).toBeGreaterThanOrEqual(5);
      for (const run of runs) expect((run.event as { job: { id: number; n: number } }).job).toEqual({ id: expect.any(Number), n: 4 });
      expect(runs.every((m) => lanes.some((l) => l.sessionId === m.sessionId) && m.sourceId === supervisor.sessionId)).toBe(true);
      const states = messages.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === supervisor.sessionId).map((m) => (m.snapshot as { value: unknown }).value);
      expect(states).toContain('running');
      expect(states.at(-1)).toBe('complete');
    } finally {
      await endpoint.close();
    }
  });

  it('leaves the run and the dashboard alone when the endpoint cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const gone = await startEndpoint();
    await gone.close();
    const errors: Error[] = [];
    await using backend = inline();
    await using dash = await dashboard();
    const stately = statelyInspector({ url: gone.url, maxDeferred: 5, onError: (error) => errors.push(error) });
    const task = stately.attach(dash.attach(backend.compute(fromFunction((x: number) => x + 1, [1, 2, 3]), { batchSize: 1 })));
    expect(await task.result()).toBe(9);
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(stately.sent).toBe(0);
    expect(stately.dropped).toBeGreaterThan(0);
    await stately.close();
    await dash.recorder.idle();
    expect(dash.recorder.history().some((r) => r.k === 'progress' && r.status === 'complete')).toBe(true);
  });
});
