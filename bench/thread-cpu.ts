/**
 * CPU time of every thread of this process, from /proc (Linux): where a run's cores went. The
 * driver's own thread, the worker threads, and everything else (V8's garbage-collection and
 * compiler helper threads, libuv's pool, module loaders) are told apart, so a benchmark can show
 * what keeps 2 workers from running 2× as fast as 1 on a 2-core machine.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU ms (user + system) per OS thread id; empty where /proc is missing. */
export function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name: state is 3rd; utime and stime are the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** CPU ms spent between two {@link threadCpuMs} readings by the main thread, the given workers and the rest. */
export function splitCpu(before: Map<string, number>, after: Map<string, number>, workerTids: ReadonlySet<string>): { driver: number; workers: number; other: number } {
  const split = { driver: 0, workers: 0, other: 0 };
  for (const [tid, ms] of after) {
    const spent = ms - (before.get(tid) ?? 0);
    if (tid === String(process.pid)) split.driver += spent;
    else if (workerTids.has(tid)) split.workers += spent;
    else split.other += spent;
  }
  return split;
}
