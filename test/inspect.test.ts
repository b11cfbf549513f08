import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/protocol/computable.ts';

describe('inspection', () => {
  it('lets an xstate inspector see the supervisor, lane and reducer actors', async () => {
    const events: InspectionEvent[] = [];
    await using backend = inline({ concurrency: 2 });
    const task = backend.compute(fromFunction((x: number) => x, Array.from({ length: 50 }, (_, i) => i)), {
      inspect: (event) => events.push(event),
      batchSize: 5,
    });
    expect(await task.result()).toBe(1225);
    const ids = new Set(events.filter((e) => e.type === '@xstate.actor').map((e) => (e.actorRef as unknown as { id: string }).id));
    expect([...ids]).toEqual(expect.arrayContaining(['lane-0', 'lane-1', 'reducer-0']));
    const machines = new Set(
      events
        .filter((e) => e.type === '@xstate.actor')
        .map((e) => (e.actorRef as { logic?: { id?: string } }).logic?.id)
        .filter(Boolean),
    );
    expect([...machines]).toEqual(expect.arrayContaining(['supervisor', 'lane', 'reducer']));
    const supervisorEvents = events
      .filter((e) => e.type === '@xstate.event' && e.actorRef === task.actor)
      .map((e) => (e as { event: { type: string } }).event.type);
    expect(supervisorEvents).toContain('START');
    expect(supervisorEvents.filter((t) => t === 'LANE.DONE')).toHaveLength(10);
  });

  it('keeps a fixed set of lanes however many elements there are', async () => {
    const spawned: string[] = [];
    await using backend = inline({ concurrency: 3 });
    await backend.run(fromFunction((x: number) => x, Array.from({ length: 5_000 }, (_, i) => i)), {
      inspect: (event) => {
        if (event.type === '@xstate.actor' && (event.actorRef as { logic?: { id?: string } }).logic?.id === 'lane') spawned.push((event.actorRef as unknown as { id: string }).id);
      },
    });
    expect(spawned.sort()).toEqual(['lane-0', 'lane-1', 'lane-2']);
  });
});
