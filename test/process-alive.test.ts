// A lock file or temporary name that carries the pid of a killed process is taken over: a zombie
// (killed, not yet reaped — for good in a container whose first process reaps nothing) counts as
// dead. Seen by hand: `cortado run --resume` right after `kill -9` of the run refused with
// E_CHECKPOINT_LOCKED, naming the dead process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../src/io/fs/process-alive.ts';
import { acquireLock } from '../src/journal/lock.ts';

const linux = process.platform === 'linux' && existsSync('/proc/self/stat');

/**
 * A process that leaves a zombie child: `sh` starts `sleep 1` in the background, then becomes
 * `sleep 60`, which never reaps it. The child outlives the `exec` (a child that exited at once was
 * sometimes reaped by `sh` itself before it became `sleep`, under load in CI).
 */
async function zombie(): Promise<{ parent: ChildProcess; pid: number }> {
  const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once('error', reject);
    });
    // Wait until the kernel shows the child as a zombie.
    for (let i = 0; i < 1000; i++) {
      const state = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];
      if (state === 'Z') return { parent, pid };
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`process ${pid} did not become a zombie`);
  } catch (error) {
    parent.kill('SIGKILL');
    throw error;
  }
}

describe('isProcessAlive()', () => {
  const started: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const child of started.splice(0)) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('says this process and a running child are alive, and an exited one is not', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    started.push(child);
    await new Promise((r) => child.once('spawn', r));
    expect(isProcessAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));   // reaped by Node
    expect(isProcessAlive(child.pid!)).toBe(false);
  });

  it.runIf(linux)('counts a zombie (killed, never reaped) as dead, and a lock it held is taken over', async () => {
    const { parent, pid } = await zombie();
    started.push(parent);
    expect(isProcessAlive(pid)).toBe(false);
    expect(isProcessAlive(parent.pid!)).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'cortado-zombie-lock-'));
    dirs.push(dir);
    const path = join(dir, 'result.json.lock');
    writeFileSync(path, `${pid}@${hostname()}`);
    const lock = acquireLock(path, 'The result file result.json');
    expect(readFileSync(path, 'utf8').trim()).toBe(`${process.pid}@${hostname()}`);
    lock.release();

    // A lock held by the live parent is still refused.
    writeFileSync(path, `${parent.pid}@${hostname()}`);
    expect(() => acquireLock(path, 'The result file result.json')).toThrow(expect.objectContaining({ code: 'E_CHECKPOINT_LOCKED' }));
  });
});
