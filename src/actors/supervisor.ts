import { assign, enqueueActions, setup, type ActorRefFrom } from 'xstate';
import type { Progress, TaskStatus } from '../protocol/task.ts';
import type { BatchItem } from './batch.ts';
import type { Executor } from './executor.ts';
import { laneMachine, type LaneReport } from './lane.ts';
import { reducerMachine } from './reducer.ts';
import { RunState, type Absorbed, type RunSettings } from './run-state.ts';

/** Events the supervisor receives. */
export type SupervisorEvent =
  | { type: 'START' }
  | { type: 'CANCEL'; reason?: unknown }
  | { type: 'RETRY.DUE'; item: BatchItem }
  | { type: 'REDUCER.FLUSHED' }
  | { type: 'SINK.DRAINED' }
  | LaneReport;

/** What the supervisor is created with. */
export interface SupervisorInput extends RunSettings {
  readonly executor: Executor;
  /** Partials a reducer buffers before folding them in. */
  readonly mergeEvery: number;
  /** Called with every progress report. */
  readonly publish: (progress: Progress) => void;
}

type LaneRef = ActorRefFrom<typeof laneMachine>;
type ReducerRef = ActorRefFrom<typeof reducerMachine>;

/** The supervisor's context: its input, its lanes and reducers, and the run's plain-data state. */
export interface SupervisorContext {
  readonly input: SupervisorInput;
  readonly run: RunState;
  lanes: LaneRef[];
  idle: number[];
  readonly reducers: Map<string | undefined, ReducerRef>;
  /** Messages decided by the last transition, sent by the `flush` action that follows it. */
  outbox: Array<{ to: LaneRef | ReducerRef; event: { type: string; [k: string]: unknown } }>;
  delayed: Array<{ item: BatchItem; delayMs: number }>;
  retrySerial: number;
  /** Reducers that have not yet answered FLUSH. */
  unflushed: number;
}

/**
 * The supervisor: one per task. It pulls work elements from the computable, batches them onto its
 * lanes, applies the error policy to each failure (retry after a backoff delay on the actor
 * clock, continue, or cancel), forwards results to one reducer per group, and tracks the completed
 * ranges. Its state is the task's state: `pending → running → complete | incomplete | cancelled`.
 */
export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actors: { lane: laneMachine, reducer: reducerMachine },
  guards: {
    failed: ({ context }) => context.run.fatal !== undefined,
    finished: ({ context }) => context.run.finished,
    drained: ({ context }) => context.run.inFlight === 0,
    skippedSome: ({ context }) => context.run.failures.length > 0,
    stopped: ({ context }) => context.run.fatal !== undefined || context.run.cancelReason !== undefined,
    flushed: ({ context }) => context.unflushed === 0,
  },
  actions: {
    spawnLanes: assign(({ context, spawn }) => {
      const lanes: LaneRef[] = [];
      for (let lane = 0; lane < context.input.executor.slots; lane++) {
        lanes.push(spawn('lane', { id: `lane-${lane}`, input: { lane, executor: context.input.executor } }));
      }
      // A resumed run's reducers start from what the checkpoint restored.
      for (const [group, initial] of context.input.restored?.results ?? []) {
        context.reducers.set(group, spawn('reducer', { id: `reducer-${context.reducers.size}`, input: { group, mergeEvery: context.input.mergeEvery, initial } }));
      }
      return { lanes, idle: lanes.map((_, i) => i).reverse() };
    }),
    dispatch: assign(({ context }) => {
      const { run } = context;
      const outbox = context.outbox;
      const sink = context.input.sink;
      while (context.idle.length > 0 && run.fatal === undefined && run.cancelReason === undefined) {
        // Map mode: a consumer that does not keep up pauses dispatch; SINK.DRAINED resumes it.
        if (sink?.full()) break;
        const job = run.nextBatch();
        if (job === undefined) break;
        const lane = context.idle.pop()!;
        outbox.push({ to: context.lanes[lane]!, event: { type: 'RUN', job } });
      }
      return {};
    }),
    absorbDone: assign(({ context, event, spawn }) => {
      if (event.type !== 'LANE.DONE') return {};
      // Last in line: a lane that just reported is still in its own transition, so a RUN sent to it
      // starts after those sent to the other idle lanes. Taken first, it would put the first batch
      // cut (the largest, see the batch sizer's `parallelism`) behind the later ones in the executor.
      context.idle.unshift(event.lane);
      routeAbsorbed(context, context.run.absorb(event.job, event.outcome), (o) => spawn('reducer', o));
      return {};
    }),
    absorbLost: assign(({ context, event, spawn }) => {
      if (event.type !== 'LANE.LOST') return {};
      context.idle.unshift(event.lane);
      routeAbsorbed(context, context.run.lose(event.job, event.error), (o) => spawn('reducer', o));
      return {};
    }),
    retryDue: assign(({ context, event }) => {
      if (event.type !== 'RETRY.DUE') return {};
      context.run.scheduledRetries--;
      if (context.run.cancelReason === undefined && context.run.fatal === undefined) context.run.ready.push(event.item);
      return {};
    }),
    markCancelled: assign(({ context, event }) => {
      if (event.type === 'CANCEL') context.run.cancelReason = event.reason ?? new Error('cancelled');
      return {};
    }),
    abortLanes: enqueueActions(({ context, enqueue }) => {
      for (const lane of context.lanes) enqueue.sendTo(lane, { type: 'ABORT' });
    }),
    cancelRetries: enqueueActions(({ context, enqueue }) => {
      for (let serial = 0; serial < context.retrySerial; serial++) enqueue.cancel(`retry-${serial}`);
      context.run.scheduledRetries = 0;
    }),
    flush: enqueueActions(({ context, enqueue }) => {
      const outbox = context.outbox.splice(0);
      for (const { to, event } of outbox) enqueue.sendTo(to, event as never);
      const delayed = context.delayed.splice(0);
      for (const { item, delayMs } of delayed) {
        enqueue.raise({ type: 'RETRY.DUE', item }, { delay: delayMs, id: `retry-${context.retrySerial++}` });
      }
    }),
    flushReducers: enqueueActions(({ context, enqueue }) => {
      context.unflushed = context.reducers.size;
      for (const reducer of context.reducers.values()) enqueue.sendTo(reducer, { type: 'FLUSH' });
    }),
    reducerFlushed: assign(({ context }) => ({ unflushed: context.unflushed - 1 })),
    publish: ({ context }, params: { status: TaskStatus }) => {
      context.input.publish(context.run.progress(params.status));
    },
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    input,
    run: new RunState(input),
    lanes: [],
    idle: [],
    reducers: new Map(),
    outbox: [],
    delayed: [],
    retrySerial: 0,
    unflushed: 0,
  }),
  initial: 'pending',
  states: {
    pending: {
      on: {
        START: { target: 'running' },
        CANCEL: { target: 'cancelled', actions: 'markCancelled' },
      },
    },
    running: {
      entry: ['spawnLanes', 'dispatch', 'flush'],
      always: [
        { guard: 'failed', target: 'cancelling' },
        { guard: 'finished', target: 'flushing' },
      ],
      on: {
        'LANE.DONE': { actions: ['absorbDone', 'dispatch', 'flush', { type: 'publish', params: { status: 'running' } }] },
        'LANE.LOST': { actions: ['absorbLost', 'dispatch', 'flush', { type: 'publish', params: { status: 'running' } }] },
        'RETRY.DUE': { actions: ['retryDue', 'dispatch', 'flush'] },
        'SINK.DRAINED': { actions: ['dispatch', 'flush'] },
        CANCEL: { target: 'cancelling', actions: 'markCancelled' },
      },
    },
    cancelling: {
      entry: ['abortLanes', 'cancelRetries'],
      always: { guard: 'drained', target: 'flushing' },
      on: {
        'LANE.DONE': { actions: ['absorbDone', 'flush'] },
        'LANE.LOST': { actions: ['absorbLost', 'flush'] },
      },
    },
    flushing: {
      entry: 'flushReducers',
      always: {
        guard: 'flushed',
        target: 'finishing',
      },
      on: { 'REDUCER.FLUSHED': { actions: 'reducerFlushed' } },
    },
    finishing: {
      always: [{ guard: 'stopped', target: 'cancelled' }, { guard: 'skippedSome', target: 'incomplete' }, { target: 'complete' }],
    },
    complete: { type: 'final', entry: [{ type: 'publish', params: { status: 'complete' } }] },
    incomplete: { type: 'final', entry: [{ type: 'publish', params: { status: 'incomplete' } }] },
    cancelled: { type: 'final', entry: ['cancelRetries', { type: 'publish', params: { status: 'cancelled' } }] },
  },
});

function routeAbsorbed(
  context: SupervisorContext,
  absorbed: Absorbed,
  spawnReducer: (options: { id: string; input: { group: string | undefined; mergeEvery: number } }) => ReducerRef,
): void {
  if (absorbed.outputs !== undefined && absorbed.outputs.length > 0) context.input.sink?.push(absorbed.outputs);
  for (const [group, value] of absorbed.results) {
    let reducer = context.reducers.get(group);
    if (reducer === undefined) {
      reducer = spawnReducer({ id: `reducer-${context.reducers.size}`, input: { group, mergeEvery: context.input.mergeEvery } });
      context.reducers.set(group, reducer);
    }
    context.outbox.push({ to: reducer, event: { type: 'PARTIAL', value } });
  }
  for (const retry of absorbed.retries) {
    if (retry.delayMs <= 0) context.run.ready.push(retry.item);
    else {
      context.run.scheduledRetries++;
      context.delayed.push(retry);
    }
  }
}

/** Maps a supervisor state value to a task status. */
export function statusOf(value: unknown): TaskStatus {
  switch (value) {
    case 'pending':
      return 'pending';
    case 'complete':
      return 'complete';
    case 'incomplete':
      return 'incomplete';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'running';
  }
}
