import { assign, sendParent, setup } from 'xstate';
import { EMPTY, cloneResult, merge, type Empty } from '../protocol/result.ts';

/**
 * Events a reducer receives. `SEAL` folds everything and marks the accumulator as handed out
 * (a finished group): from then on it is never changed in place. `RELEASE` drops the accumulator
 * of a handed-out group (`releaseGroups`), so the reducer no longer keeps it alive.
 */
export type ReducerEvent = { type: 'PARTIAL'; value: unknown } | { type: 'FLUSH' } | { type: 'SEAL' } | { type: 'RELEASE' };

/** The actor's context (exported so that declarations of the machines that spawn it can name it). */
export interface ReducerContext {
  readonly group: string | undefined;
  readonly mergeEvery: number;
  acc: unknown;
  buffer: unknown[];
  merged: number;
  /** The accumulator was handed out (`SEAL`): a later merge works on a copy, never on it. */
  sealed: boolean;
}

function fold(context: ReducerContext): unknown {
  let acc = context.acc as Empty;
  if (context.buffer.length === 0) return acc;
  // A handed-out accumulator belongs to the user now: merge into a copy of it.
  if (context.sealed) acc = cloneResult(acc);
  for (const value of context.buffer) acc = merge(acc, value as Empty);
  context.buffer.length = 0;
  return acc;
}

/**
 * A reducer: merges the outcomes of one group. Partials wait in a buffer of at most `mergeEvery`
 * and are folded into the accumulator together, which bounds both the fan-in and the memory held
 * (with the default of 1, each partial is folded in as it arrives: merges are in place, so a
 * waiting partial would only hold memory). One reducer per group, so a finished group (a dataset)
 * can be handed out on its own (`SEAL`) without a copy. `FLUSH` folds everything and answers
 * `REDUCER.FLUSHED`: the supervisor ends only after every reducer has answered, so no partial
 * still in a mailbox is lost.
 */
export const reducerMachine = setup({
  types: {
    context: {} as ReducerContext,
    events: {} as ReducerEvent,
    input: {} as { group: string | undefined; mergeEvery: number; initial?: unknown },
  },
}).createMachine({
  id: 'reducer',
  context: ({ input }) => ({ group: input.group, mergeEvery: input.mergeEvery, acc: input.initial ?? EMPTY, buffer: [], merged: 0, sealed: false }),
  on: {
    PARTIAL: [
      {
        guard: ({ context }) => context.buffer.length + 1 >= context.mergeEvery,
        actions: assign(({ context, event }) => {
          context.buffer.push(event.value);
          return { acc: fold(context), sealed: false, merged: context.merged + 1 };
        }),
      },
      {
        actions: assign(({ context, event }) => {
          context.buffer.push(event.value);
          return { merged: context.merged + 1 };
        }),
      },
    ],
    FLUSH: {
      actions: [assign(({ context }) => (context.buffer.length === 0 ? {} : { acc: fold(context), sealed: false })), sendParent({ type: 'REDUCER.FLUSHED' })],
    },
    SEAL: {
      actions: assign(({ context }) => ({ acc: fold(context), sealed: true })),
    },
    RELEASE: {
      actions: assign(({ context }) => {
        context.buffer.length = 0;
        return { acc: EMPTY, sealed: false };
      }),
    },
  },
});
