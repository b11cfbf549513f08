import type { ElementStats } from '../batch.ts';
import type { ChunkSizer } from '../chunk-sizer.ts';
import { GroupModel, type ChunkModelSnapshot } from './model.ts';
import { resolveAdaptiveChunkOptions, type AdaptiveChunkOptions, type AdaptiveChunkOptionsInput } from './options.ts';

/** A chunk sizer that learns; its per-group models can be looked at. */
export interface AdaptiveChunkSizer extends ChunkSizer {
  /** The validated options. */
  readonly options: AdaptiveChunkOptions;
  /** What the model of `group` believes now (a fresh model's snapshot for an unseen group). */
  model(group?: string): ChunkModelSnapshot;
}

/**
 * Adaptive chunk sizing: elements of about `targetChunkSeconds` each, learned as the task runs.
 *
 * Each group (dataset) has its own model, `ms = overhead + msPerEntry · entries`, fitted robustly
 * (Theil–Sen) over its most recent elements, so a fixed per-element cost (opening a file, reading
 * baskets, a round trip) is not mistaken for a per-entry cost, and one slow element does not throw
 * it. Proposals alternate a little above and below the fitted optimum so the two costs stay
 * identifiable, grow at most `maxGrowth`× past the largest element seen to complete, and drop to at
 * most half an element's size when it runs out of memory or time (the runtime splits that element).
 * A cost that changes midway (another file, another kind of event) resets the model after two
 * surprising elements.
 *
 * @example
 * ```ts
 * import { adaptiveChunks, inline } from 'cortado';
 *
 * await using backend = inline();
 * const task = backend.compute(mapSteps(ds, processor), {
 *   chunkSizer: adaptiveChunks({ targetChunkSeconds: 5, initial: 10_000 }),
 * });
 * ```
 */
export function adaptiveChunks(input: AdaptiveChunkOptionsInput): AdaptiveChunkSizer {
  const options = resolveAdaptiveChunkOptions(input);
  const targetMs = options.targetChunkSeconds * 1000;
  const models = new Map<string | undefined, GroupModel>();
  const modelOf = (group: string | undefined): GroupModel => {
    let model = models.get(group);
    if (model === undefined) {
      model = new GroupModel(group, options);
      models.set(group, model);
    }
    return model;
  };
  return {
    options,
    propose: (group) => modelOf(group).propose(targetMs),
    observe(stats: readonly ElementStats[]) {
      for (const stat of stats) {
        if (!(stat.entries > 0) || !(stat.ms >= 0)) continue;
        modelOf(stat.group).add({
          entries: stat.entries,
          ms: stat.ms,
          ...(stat.bytes === undefined ? {} : { bytes: stat.bytes }),
          ...(stat.peakMemory === undefined ? {} : { peakMemory: stat.peakMemory }),
        });
      }
    },
    exhausted({ entries, group }) {
      modelOf(group).exhausted(entries);
    },
    model: (group) => (models.get(group) ?? new GroupModel(group, options)).snapshot(targetMs),
  };
}
