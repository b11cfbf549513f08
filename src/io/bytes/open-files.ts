import { close, lstat, realpath, stat, statfs, watch, type FSWatcher, type Stats } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { setImmediate } from 'node:timers';

/**
 * Descriptors of local files kept open after their source closed, one set per thread, so that
 * reopening the same file (one open per chunk of a dataset, the metadata already cached) costs
 * no open + fstat + close. A reused descriptor is only handed out while it still is the file at
 * its path:
 * - **watched** (the usual case from the second reuse on): a file on a local file system (ext4,
 *   xfs, btrfs, tmpfs, …) in a directory reached without symbolic links, and not a link itself,
 *   is watched with inotify (`fs.watch`); any change to it — written, truncated, touched,
 *   replaced by rename, deleted — marks it stale. A reopen lets pending change events arrive
 *   (two turns of the event loop, no system call of its own) and then costs no thread-pool
 *   round trip at all, where a `stat` costs one (measured: the largest part of a warm reopen).
 * - **checked**: otherwise (network and FUSE file systems, whose changes by other machines
 *   inotify never sees; paths through symbolic links, which can be switched; watches refused),
 *   each reopen costs one `stat(path)`, compared by device, inode, size and mtime.
 * Either way a file replaced or rewritten since is opened afresh and gets a new identity. Not
 * seen by the watch: a directory above the file renamed and replaced by another (the file itself
 * untouched), and writes through a shared memory map.
 *
 * Bounded: at most {@link OPEN_FILES_CAPACITY} idle descriptors (least recently used closed
 * first), each closed after {@link OPEN_FILES_IDLE_MS} unused (an unref'd timer: it never keeps a
 * process alive; watches never keep it alive either); {@link closeIdleFiles} closes them all now.
 * A worker thread's descriptors and watches are closed by Node when the thread ends.
 */
export interface OpenFile {
  /** The absolute path (the key: a relative path means another file after a `chdir`). */
  readonly path: string;
  readonly fd: number;
  readonly stats: Stats;
  readonly identity: string;
  /** Sources using the descriptor now. */
  users: number;
  /** Not to be handed out again (the file changed, or a read on it failed); closed when unused. */
  stale: boolean;
  /** When the last user released it (ms, performance.now()). */
  idleSince: number;
  /** Whether the descriptor was closed (never twice: its number may belong to another file by then). */
  closed: boolean;
  /** The inotify watch that marks it stale on any change; undefined while checked by `stat`. */
  watcher: FSWatcher | undefined;
  /** Whether a watch was tried (it is set up at the first reuse, so a file opened once pays nothing). */
  watchTried: boolean;
  /** Reads served synchronously through this descriptor (see `SYNC_READ_MAX_BYTES`), for tests. */
  syncReads: number;
}

/** Idle descriptors kept per thread. */
export const OPEN_FILES_CAPACITY = 8;
/** How long an unused descriptor stays open. */
export const OPEN_FILES_IDLE_MS = 2000;

/**
 * File systems whose changes all go through this machine's kernel, so inotify reports every one
 * (`statfs` magic numbers): ext2/3/4, xfs, btrfs, tmpfs, ramfs, zfs, f2fs, overlayfs, bcachefs.
 */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x858458f6, 0x2fc12fc1, 0xf2f52010, 0x794c7630, 0xca451a4e,
]);

/** By absolute path, least recently used first. */
const files = new Map<string, OpenFile>();
let sweep: NodeJS.Timeout | undefined;
/** Whether files in a directory can be watched, by directory (see {@link watchableDirectory}). */
const directories = new Map<string, Promise<boolean>>();
const DIRECTORIES_CAPACITY = 64;

/** The identity of a file as a byte source reports it (see `ByteSource.identity`). */
export function fileIdentity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/** Stats of `path` (not of a descriptor: a file replaced by rename shows as another inode). */
export function pathStat(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => stat(path, (error, stats) => (error ? reject(error) : resolve(stats))));
}

/** Stats of `path` itself (a symbolic link's own, not its target's). */
function linkStat(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => lstat(path, (error, stats) => (error ? reject(error) : resolve(stats))));
}

/** Absolute paths as `resolve` gives them, by the path asked for (one `resolve` per reopen was measurable). */
const resolvedPaths = new Map<string, string>();

/** `resolve(path)`, remembered for absolute paths (which do not depend on the working directory). */
function keyOf(path: string): string {
  let key = resolvedPaths.get(path);
  if (key === undefined) {
    key = resolve(path);
    if (isAbsolute(path)) {
      if (resolvedPaths.size >= DIRECTORIES_CAPACITY) resolvedPaths.clear();
      resolvedPaths.set(path, key);
    }
  }
  return key;
}

/** The kept descriptor of `path`, taken for one more user, or undefined. Validate it with {@link validate}. */
export function takeOpenFile(path: string): OpenFile | undefined {
  const key = keyOf(path);
  const file = files.get(key);
  if (file === undefined || file.stale) return undefined;
  files.delete(key); // most recently used: to the end
  files.set(key, file);
  file.users++;
  return file;
}

/** Whether `stats` (of the path, now) describe the file `file` was opened on. */
export function stillSame(file: OpenFile, stats: Stats): boolean {
  return stats.isFile() && fileIdentity(stats) === file.identity;
}

/** Resolves after two turns of the event loop: a change event queued before the call has been handled. */
function eventsDelivered(): Promise<void> {
  // One turn is not enough when called from the poll phase (a read's callback): that turn's
  // check phase follows without polling again. Node's own setImmediate, not a global a test may fake.
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * Whether the kept `file` is still the file at its path. Watched: once pending change events are
 * handled, whether none came (no system call). Otherwise `stat(path)` runs under `deadline`; at
 * the first reuse a watch is set up when the file qualifies (before the check, so that no change
 * falls between the two). Rejects when the path cannot be stat'ed now, or with what `deadline`
 * rejects with (a timeout, an abort).
 */
export async function validate(file: OpenFile, deadline: <T>(work: Promise<T>) => Promise<T>): Promise<boolean> {
  if (file.watcher) {
    await eventsDelivered();
    return !file.stale;
  }
  let watching = false;
  if (!file.watchTried) {
    file.watchTried = true;
    watching = (await deadline(watchableDirectory(dirname(file.path)))) && startWatch(file);
  }
  if (!watching) return stillSame(file, await deadline(pathStat(file.path)));
  // lstat: the path itself must be the file (a symbolic link to it can be switched unseen).
  const stats = await deadline(linkStat(file.path));
  if (stats.isSymbolicLink()) {
    stopWatch(file);
    return stillSame(file, await deadline(pathStat(file.path)));
  }
  return stillSame(file, stats) && !file.stale;
}

/**
 * Whether files in `dir` can be watched: a local file system, and no symbolic link on the way
 * (`realpath` is the directory itself). Remembered per directory (mounts and links above data
 * directories do not change while a program runs). Any failure: no.
 */
function watchableDirectory(dir: string): Promise<boolean> {
  let known = directories.get(dir);
  if (known === undefined) {
    if (directories.size >= DIRECTORIES_CAPACITY) directories.clear();
    known = Promise.all([
      new Promise<boolean>((res) => statfs(dir, (error, s) => res(!error && LOCAL_FILE_SYSTEMS.has(Number(s.type))))),
      new Promise<boolean>((res) => realpath.native(dir, (error, real) => res(!error && real === dir))),
    ]).then(([local, direct]) => local && direct);
    directories.set(dir, known);
  }
  return known;
}

/** Watches `file`'s path; any event marks it stale. False when the system refuses a watch (limits). */
function startWatch(file: OpenFile): boolean {
  try {
    const watcher = watch(file.path, { persistent: false });
    watcher.on('change', () => discard(file));
    watcher.on('error', () => discard(file));
    file.watcher = watcher;
    return true;
  } catch {
    return false;
  }
}

function stopWatch(file: OpenFile): void {
  file.watcher?.close();
  file.watcher = undefined;
}

/**
 * @internal How a kept descriptor of `path` is checked on reuse: `'watched'`, `'checked'` (a
 * `stat` per reopen), or undefined when none is kept. For tests.
 */
export function keptFileMode(path: string): 'watched' | 'checked' | undefined {
  const file = files.get(resolve(path));
  return file === undefined || file.stale ? undefined : file.watcher ? 'watched' : 'checked';
}

/**
 * @internal Reads served synchronously through the kept descriptor of `path` (0 when none is
 * kept). Per file, so that a test counts only its own file's reads. For tests.
 */
export function keptSyncReads(path: string): number {
  const file = files.get(keyOf(path));
  return file?.syncReads ?? 0;
}

/** Keeps a freshly opened descriptor for reuse, with its first user; replaces an older one of the path. */
export function keepOpenFile(path: string, fd: number, stats: Stats): OpenFile {
  const key = keyOf(path);
  const file: OpenFile = {
    path: key, fd, stats, identity: fileIdentity(stats), users: 1, stale: false, idleSince: 0, closed: false,
    watcher: undefined, watchTried: false, syncReads: 0,
  };
  const older = files.get(key);
  if (older) discard(older);
  files.set(key, file);
  return file;
}

/** Marks `file` not to be handed out again; it closes once its users release it. */
export function discard(file: OpenFile): void {
  file.stale = true;
  stopWatch(file);
  if (files.get(file.path) === file) files.delete(file.path);
  if (file.users === 0) shut(file);
}

function shut(file: OpenFile, done: () => void = () => {}): void {
  stopWatch(file);
  if (file.closed) {
    done();
    return;
  }
  file.closed = true;
  close(file.fd, () => done());
}

/** One user is done with `file`: it stays open for the next open of its path, within the bounds. */
export function releaseOpenFile(file: OpenFile): void {
  file.users--;
  if (file.users > 0) return;
  if (file.stale) {
    shut(file);
    return;
  }
  file.idleSince = performance.now();
  if (files.size > OPEN_FILES_CAPACITY) {
    let idle = 0;
    for (const f of files.values()) if (f.users === 0) idle++;
    for (const f of files.values()) {
      if (idle <= OPEN_FILES_CAPACITY) break;
      if (f.users === 0 && f !== file) {
        discard(f);
        idle--;
      }
    }
  }
  if (sweep === undefined) scheduleSweep();
}

function scheduleSweep(): void {
  sweep = setTimeout(() => {
    sweep = undefined;
    const now = performance.now();
    for (const f of [...files.values()]) if (f.users === 0 && now - f.idleSince >= OPEN_FILES_IDLE_MS) discard(f);
    if (files.size > 0) scheduleSweep();
  }, OPEN_FILES_IDLE_MS);
  sweep.unref();
}

/**
 * Closes every kept descriptor no source is using (this thread's), and resolves when they are
 * closed: for a program or test that counts descriptors, or that is done with its files.
 *
 * @example
 * ```ts
 * await task.result();
 * await closeIdleFiles(); // nothing of cortado's left open in this thread
 * ```
 */
export async function closeIdleFiles(): Promise<void> {
  const closing: Promise<void>[] = [];
  for (const f of [...files.values()]) {
    if (f.users > 0) continue;
    f.stale = true;
    files.delete(f.path);
    closing.push(new Promise((resolve) => shut(f, resolve)));
  }
  if (files.size === 0 && sweep !== undefined) {
    clearTimeout(sweep);
    sweep = undefined;
  }
  await Promise.all(closing);
}
