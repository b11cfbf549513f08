// Plain ESM consumer: imports the installed package, computes inline and on worker threads.
import assert from 'node:assert/strict';
import { fromFunction, inline, threads } from 'cortado';
import { square } from './processor.js';

const inputs = Array.from({ length: 100 }, (_, i) => i);
const expected = inputs.reduce((sum, x) => sum + x * x, 0);

const local = inline();
assert.equal(await local.compute(fromFunction(square, inputs)).result(), expected);
await local.dispose();

const pool = threads({ workers: 2 });
const onThreads = await pool.compute(fromFunction(square, inputs)).result();
await pool.dispose();
assert.equal(onThreads, expected);
console.log(`plain ESM consumer: inline and threads() both gave ${onThreads}`);
