// Runs a TypeScript processor module by reference (inline and on threads()): cortado loads tsx on
// demand in each thread. Prints the error's code and message when that fails.
import { defineProcessor, fromFunction, inline, threads } from 'cortado';

const square = defineProcessor(new URL('./square.ts', import.meta.url).href, 'square');
const inputs = [1, 2, 3, 4];
const options = { errorPolicy: { backoff: false, maxRetries: 0 } };
const local = inline();
const pool = threads({ workers: 1 });
try {
  const a = await local.compute(fromFunction(square, inputs), options).result();
  const b = await pool.compute(fromFunction(square, inputs), options).result();
  console.log(`.ts processor: inline ${a}, threads ${b}`);
} catch (error) {
  const cause = error.cause ?? error;
  console.log(`failed: ${error.code} ${error.message} | cause: ${cause.code} ${cause.message}`);
  process.exitCode = 1;
} finally {
  await local.dispose();
  await pool.dispose();
}
