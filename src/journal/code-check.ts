import type { ProcessorCodes } from '../protocol/processor-code.ts';
import { CheckpointError } from './errors.ts';

/**
 * Refuses to restore a checkpoint whose recorded processor code (`stored`, as its snapshot or
 * journal header holds it) is not the code of this run (`current`, the computable's `code`):
 * resuming would merge results of both codes into one. Throws {@link CheckpointError}
 * `E_CHECKPOINT_CODE_CHANGED` naming each processor whose code changed. A checkpoint without a
 * record of its code (written by a computable without `code`, or before cortado kept one) is
 * restored as before, and so is any checkpoint when this computable has no `code`.
 */
export function checkCheckpointCode(file: string, folder: string, stored: unknown, current: ProcessorCodes | undefined): void {
  if (current === undefined || stored === undefined || stored === null) return;
  if (typeof stored !== 'object' || Array.isArray(stored) || !Object.values(stored).every((v) => typeof v === 'string')) {
    throw new CheckpointError('E_CHECKPOINT_INVALID', file, `The checkpoint ${file} is damaged: expected its code to be a record of digests; delete the folder ${folder} to start afresh`);
  }
  const changes = codeChanges(stored as ProcessorCodes, current);
  if (changes.length === 0) return;
  throw new CheckpointError(
    'E_CHECKPOINT_CODE_CHANGED',
    file,
    `The checkpoint ${folder} was written by other processor code than this run's (${changes.join('; ')}): resuming would merge results of both. ` +
      `Restore the code it was written with to resume, or delete the folder ${folder} (or choose another checkpoint path) to start afresh`,
  );
}

/**
 * What differs between the processor code a run recorded (`was`) and the code of this one (`now`),
 * one phrase per processor (`<module>#<export> had code <a>, now <b>`); empty when it is the same.
 */
export function codeChanges(was: ProcessorCodes, now: ProcessorCodes): string[] {
  const changes: string[] = [];
  for (const [processor, code] of Object.entries(now)) {
    if (was[processor] === undefined) changes.push(`${processor} was not run by it`);
    else if (was[processor] !== code) changes.push(`${processor} had code ${was[processor]}, now ${code}`);
  }
  for (const processor of Object.keys(was)) if (now[processor] === undefined) changes.push(`${processor} is no longer run`);
  return changes;
}
