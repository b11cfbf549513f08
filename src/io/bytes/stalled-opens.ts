import { closeSync, constants, openSync, statSync } from 'node:fs';

/**
 * Opens of local files that may be stuck in the kernel: opening a FIFO for reading blocks until
 * a writer comes, inside one of libuv's pool threads. Node joins those threads when the process
 * exits, so one stuck open would keep even `process.exit()` (and so Ctrl-C) from ending the
 * process. A stuck FIFO open can be released by opening the FIFO's write end once; that is what
 * {@link releaseStalledOpen} does, on timeout and, for every open still pending, at exit.
 * (An open stuck on a hung network mount cannot be released by any program.)
 */
const pending = new Map<number, string>();
let nextId = 0;
let hooked = false;

/** Records an open of `path` in flight; returns the token to pass to {@link openSettled}. */
export function openStarted(path: string): number {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const p of pending.values()) releaseStalledOpen(p);
    });
  }
  const id = nextId++;
  pending.set(id, path);
  return id;
}

/** Records that the open with token `id` returned. */
export function openSettled(id: number): void {
  pending.delete(id);
}

/** If `path` is a FIFO, opens and closes its write end so that a reader blocked opening it returns. */
export function releaseStalledOpen(path: string): void {
  try {
    if (!statSync(path).isFIFO()) return;
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader is waiting any more (ENXIO), or the path is gone: nothing to release.
  }
}
