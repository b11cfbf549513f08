import { assign, fromPromise, sendParent, setup } from 'xstate';
import type { BatchJob, BatchOutcome } from './batch.ts';
import type { Executor } from './executor.ts';

/** Events a lane receives. */
export type LaneEvent = { type: 'RUN'; job: BatchJob } | { type: 'ABORT' };

/** Events a lane sends to its supervisor. */
export type LaneReport =
  | { type: 'LANE.DONE'; lane: number; job: BatchJob; outcome: BatchOutcome }
  | { type: 'LANE.LOST'; lane: number; job: BatchJob; error: unknown };

/** The actor's context (exported so that declarations of the machines that spawn it can name it). */
export interface LaneContext {
  readonly lane: number;
  readonly executor: Executor;
  job: BatchJob | undefined;
  controller: AbortController | undefined;
}

/**
 * A lane: one long-lived actor per executor slot, holding at most one batch in flight. The
 * supervisor sends `RUN`; the lane runs the batch on the executor and reports `LANE.DONE` (or
 * `LANE.LOST` if the whole batch was lost). `ABORT` asks the running batch to stop early; what it
 * finished is still reported, so nothing done is lost.
 */
export const laneMachine = setup({
  types: {
    context: {} as LaneContext,
    events: {} as LaneEvent,
    input: {} as { lane: number; executor: Executor },
  },
  actors: {
    runBatch: fromPromise<BatchOutcome, { executor: Executor; job: BatchJob; signal: AbortSignal }>(({ input }) =>
      input.executor.runBatch(input.job, input.signal),
    ),
  },
}).createMachine({
  id: 'lane',
  context: ({ input }) => ({ lane: input.lane, executor: input.executor, job: undefined, controller: undefined }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        RUN: {
          target: 'busy',
          actions: assign({ job: ({ event }) => event.job, controller: () => new AbortController() }),
        },
      },
    },
    busy: {
      invoke: {
        src: 'runBatch',
        input: ({ context }) => ({ executor: context.executor, job: context.job!, signal: context.controller!.signal }),
        onDone: {
          target: 'idle',
          actions: [
            sendParent(({ context, event }) => ({ type: 'LANE.DONE', lane: context.lane, job: context.job!, outcome: event.output })),
            assign({ job: undefined, controller: undefined }),
          ],
        },
        onError: {
          target: 'idle',
          actions: [
            sendParent(({ context, event }) => ({ type: 'LANE.LOST', lane: context.lane, job: context.job!, error: event.error })),
            assign({ job: undefined, controller: undefined }),
          ],
        },
      },
      on: {
        ABORT: { actions: ({ context }) => context.controller?.abort() },
      },
    },
  },
});
