// Entry of the threads backend's worker threads. Plain JavaScript, so that Node loads it without
// help. In the published package it sits next to the compiled worker.js; in a checkout of the
// repository (sources only) it first registers tsx in this thread, since a loader the main thread
// got from `tsx app.ts` does not reach worker threads on Node 20. Users' `.ts` processor modules
// load tsx on demand either way (see typescript-modules.ts).
import { existsSync } from 'node:fs';

// Marks this thread as a cortado worker: threads() refuses to start a pool inside one.
globalThis[Symbol.for('cortado.worker')] = true;

const compiled = new URL('./worker.js', import.meta.url);
let runTask;
if (existsSync(compiled)) {
  ({ default: runTask } = await import(compiled.href));
} else {
  const { registerSourceMode } = await import('../../source-mode.mjs');
  registerSourceMode();
  ({ default: runTask } = await import('./worker.ts'));
}
export default runTask;
