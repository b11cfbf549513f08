import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { packDescription, unpackDescription, type ParquetDescription } from './description.ts';

/** The channel every worker thread of a process shares parsed Parquet descriptions on. */
const CHANNEL = 'cortado.parquet.descriptions';
/** Packed descriptions kept for adoption, per thread, in characters: a NanoAOD file's is ~0.2 M. */
const MAX_CHARS = 24 * 2 ** 20;

interface Shared {
  readonly identity: string;
  /** {@link packDescription}'s text. */
  readonly text: string;
}

const received = new Map<string, string>();
let receivedBytes = 0;
let channel: BroadcastChannel | undefined;
let adopted = 0;
let published = 0;

function join(): BroadcastChannel | undefined {
  // The main thread takes no part: a driver that reads nothing itself would only hold the
  // workers' descriptions, and an inline run has no other thread to share with.
  if (isMainThread) return undefined;
  if (channel === undefined) {
    channel = new BroadcastChannel(CHANNEL);
    // The channel must not keep a worker alive, and a message that cannot be read is dropped:
    // sharing saves work, it is never needed for a correct read.
    channel.unref();
    channel.onmessage = (event: unknown) => {
      const data = (event as { data?: Shared }).data;
      if (data === undefined || typeof data.identity !== 'string' || typeof data.text !== 'string') return;
      keep(data.identity, data.text);
    };
  }
  return channel;
}

function keep(identity: string, text: string): void {
  const old = received.get(identity);
  if (old !== undefined) receivedBytes -= old.length;
  received.delete(identity);
  received.set(identity, text);
  receivedBytes += text.length;
  while (receivedBytes > MAX_CHARS && received.size > 0) {
    const [oldest, dropped] = received.entries().next().value!;
    received.delete(oldest);
    receivedBytes -= dropped.length;
  }
}

// A worker joins when the reader loads, so that it holds what others parse before it needs them.
join();

/**
 * Joins the sharing of parsed Parquet descriptions among this process's worker threads (a no-op
 * on the main thread). A thread receives only what is published after it joined; the first
 * {@link adoptDescription} or {@link publishDescription} joins too.
 */
export function joinDescriptionSharing(): void {
  join();
}

/**
 * The description of the file with this identity, if another worker thread of this process parsed
 * it and published it: parsing and describing a NanoAOD footer of 1,500 columns costs ~2 ms of
 * CPU once compiled (tens of ms in a thread's first files) plus reading its 0.3 MB, adopting
 * another thread's parse ~1.1 ms (its packed text, see `packDescription`: the structured
 * clone used before took 5–9.5 ms). Without it, a pool's workers each parse every file they read, so a
 * file prepared on one worker and read on another is parsed twice.
 *
 * @example
 * ```ts
 * const description = adoptDescription(identity) ?? parseAndPublish(identity);
 * ```
 */
export function adoptDescription(identity: string): ParquetDescription | undefined {
  join();
  const text = received.get(identity);
  if (text === undefined) return undefined;
  received.delete(identity);
  receivedBytes -= text.length;
  try {
    const description = unpackDescription(text);
    adopted++;
    return description;
  } catch {
    return undefined;
  }
}

/** Drops a held copy of a description this thread has cached already. */
export function discardDescription(identity: string): void {
  const text = received.get(identity);
  if (text === undefined) return;
  received.delete(identity);
  receivedBytes -= text.length;
}

/**
 * Offers a description this thread parsed to the other worker threads of the process (a no-op on
 * the main thread). The identity carries the file's device, inode, size and mtime, so a file that
 * changed is never described by a stale copy.
 *
 * @example
 * ```ts
 * publishDescription(`${file.path}\0${file.identity}`, description);
 * ```
 */
export function publishDescription(identity: string, description: ParquetDescription): void {
  const open = join();
  if (open === undefined) return;
  try {
    open.postMessage({ identity, text: packDescription(description) } satisfies Shared);
    published++;
  } catch {
    // A description that does not pack is simply not shared.
  }
}

/**
 * This thread's sharing counts: descriptions published, adopted, and held for adoption (`heldBytes`:
 * the held packed texts' length in characters, bytes for the ASCII of column names).
 *
 * @example
 * ```ts
 * const { adopted } = descriptionSharingStats();
 * ```
 */
export function descriptionSharingStats(): { published: number; adopted: number; held: number; heldBytes: number } {
  return { published, adopted, held: received.size, heldBytes: receivedBytes };
}
