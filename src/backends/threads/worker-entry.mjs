// Entry of the threads backend's worker threads. Plain JavaScript so that Node loads it without
// help; it then registers tsx's ESM loader in this thread, so that cortado's own TypeScript sources
// and users' `.ts` processor modules import in the worker as they do in the main thread. (A loader
// the main thread got from `tsx app.ts` does not reach worker threads on Node 20.)
import { register } from 'tsx/esm/api';

// Marks this thread as a cortado worker: threads() refuses to start a pool inside one.
globalThis[Symbol.for('cortado.worker')] = true;
register();
const { default: runTask } = await import('./worker.ts');
export default runTask;
