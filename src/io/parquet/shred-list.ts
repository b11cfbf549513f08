/**
 * Dremel levels of a one-level list column, for writing it to Parquet: repetition 0 opens a row,
 * definition 0 marks an empty list. The writer wants the values aligned with the levels
 * (`undefined` where a list is empty).
 *
 * @example
 * ```ts
 * shredList(new Float32Array([1, 2, 3]), new Int32Array([0, 2, 2, 3]), 3);
 * // values [1, 2, undefined, 3], repetitionLevels [0, 1, 0, 0], definitionLevels [1, 1, 0, 1]
 * ```
 */
export function shredList(values: ArrayLike<number | bigint | boolean>, offsets: Int32Array, rows: number) {
  let levels = 0;
  for (let r = 0; r < rows; r++) levels += Math.max(1, offsets[r + 1]! - offsets[r]!);
  const aligned: Array<number | bigint | boolean | undefined> = new Array(levels);
  const definitionLevels: number[] = new Array(levels);
  const repetitionLevels: number[] = new Array(levels);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    const begin = offsets[r]!;
    const end = offsets[r + 1]!;
    if (begin === end) {
      aligned[at] = undefined;
      definitionLevels[at] = 0;
      repetitionLevels[at++] = 0;
      continue;
    }
    for (let k = begin; k < end; k++) {
      aligned[at] = values[k];
      definitionLevels[at] = 1;
      repetitionLevels[at++] = k === begin ? 0 : 1;
    }
  }
  return { values: aligned, definitionLevels, repetitionLevels, maxDefinitionLevel: 1 };
}
