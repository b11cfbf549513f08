import { readFileSync } from 'node:fs';

/**
 * Whether process `pid` of this machine still runs, for lock files and temporary names that carry
 * the pid of their writer: a signal-0 probe (a process of another user, `EPERM`, counts as alive).
 * A zombie — killed, but not yet reaped by its parent — counts as dead: it holds nothing, and in a
 * container whose first process reaps no children it stays a zombie for good, which would keep a
 * killed run's journal locked forever. Zombies are recognised on Linux (`/proc/<pid>/stat`).
 *
 * @example
 * ```ts
 * isProcessAlive(process.pid);   // true
 * ```
 */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** `/proc/<pid>/stat` says state `Z` (Linux); false wherever that cannot be read. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false;
  }
  // "pid (comm) state …": comm may hold spaces and parentheses, so the state follows the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 1).trimStart().startsWith('Z');
}
