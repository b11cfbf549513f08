/**
 * `cortado/testing`: deterministic tests of the runtime and of your own error policies. A
 * simulated clock, a scripted backend whose elements take scripted time and fail as scripted, a
 * computable over pretend files, a recorder of the supervisor's states and events, and a driver
 * that runs a task to its end without sleeping.
 *
 * @example
 * ```ts
 * import { recordSupervisor, runToEnd, scripted, simulatedClock, testFiles } from 'cortado/testing';
 * ```
 */
export { TestClock, simulatedClock } from './clock.ts';
export { seededRandom } from './random.ts';
export { FileSlice, countEntries, expectedCount, testFiles } from './files.ts';
export type { EntryCount, TestFile, TestFilesOptions } from './files.ts';
export { ScriptPlayer } from './script.ts';
export type { AttemptPlan, PerEntry, Script, ScriptedElement, ScriptedFailure, ScriptedMemory } from './script.ts';
export { ScriptedBackend, scripted } from './scripted.ts';
export type { ScriptedAttempt, ScriptedOptions } from './scripted.ts';
export { SupervisorRecorder, assertStates, recordSupervisor } from './recorder.ts';
export type { Recorded } from './recorder.ts';
export { TaskStalledError, runToEnd } from './run-to-end.ts';
export type { RunToEndOptions } from './run-to-end.ts';
