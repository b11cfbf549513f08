import { assign, sendParent, setup } from 'xstate';
import { EMPTY, merge, type Empty } from '../protocol/result.ts';

/** Events a reducer receives. */
export type ReducerEvent = { type: 'PARTIAL'; value: unknown } | { type: 'FLUSH' };

/** The actor's context (exported so that declarations of the machines that spawn it can name it). */
export interface ReducerContext {
  readonly group: string | undefined;
  readonly mergeEvery: number;
  acc: unknown;
  buffer: unknown[];
  merged: number;
}

function fold(context: ReducerContext): unknown {
  let acc = context.acc as Empty;
  for (const value of context.buffer) acc = merge(acc, value as Empty);
  return acc;
}

/**
 * A reducer: merges the outcomes of one group. Partials wait in a buffer of at most `mergeEvery`
 * and are folded into the accumulator together, which bounds both the fan-in and the memory held.
 * One reducer per group, so a finished group (a dataset) can be handed out on its own. `FLUSH`
 * folds everything and answers `REDUCER.FLUSHED`: the supervisor ends only after every reducer has
 * answered, so no partial still in a mailbox is lost.
 */
export const reducerMachine = setup({
  types: {
    context: {} as ReducerContext,
    events: {} as ReducerEvent,
    input: {} as { group: string | undefined; mergeEvery: number; initial?: unknown },
  },
}).createMachine({
  id: 'reducer',
  context: ({ input }) => ({ group: input.group, mergeEvery: input.mergeEvery, acc: input.initial ?? EMPTY, buffer: [], merged: 0 }),
  on: {
    PARTIAL: [
      {
        guard: ({ context }) => context.buffer.length + 1 >= context.mergeEvery,
        actions: assign(({ context, event }) => {
          context.buffer.push(event.value);
          return { acc: fold(context), buffer: [], merged: context.merged + 1 };
        }),
      },
      {
        actions: assign(({ context, event }) => ({ buffer: [...context.buffer, event.value], merged: context.merged + 1 })),
      },
    ],
    FLUSH: {
      actions: [assign(({ context }) => ({ acc: fold(context), buffer: [] })), sendParent({ type: 'REDUCER.FLUSHED' })],
    },
  },
});
