import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type { WebSocket as WsSocket } from 'ws';
import type { Task } from '../actors/task.ts';

/**
 * The `@statelyai/inspect` release whose WebSocket message format this follows (its
 * `createWebSocketInspector`: one JSON text message per inspection event).
 */
export const STATELY_INSPECT_VERSION = '0.7.2';

/** Options of {@link statelyInspector}. */
export interface StatelyInspectorOptions {
  /** The WebSocket endpoint of a Stately inspector (or a relay to one), e.g. `ws://127.0.0.1:8080`. */
  url: string;
  /** Messages kept while the connection opens (or after it failed); past it the oldest are dropped. @defaultValue 10000 */
  maxDeferred?: number;
  /** Called once per connection error (an unreachable endpoint never fails the run). @defaultValue ignore */
  onError?: (error: Error) => void;
}

/** Forwards the inspection events of attached tasks to a Stately inspector over WebSocket. */
export interface StatelyInspector extends AsyncDisposable {
  /** Forwards a task's actors, events and snapshots from now on. Returns the task, for chaining. */
  attach<T extends Task<unknown>>(task: T): T;
  /** Messages sent so far. */
  readonly sent: number;
  /** Messages dropped: more than `maxDeferred` waited, or the connection had not opened when close() gave up on it (10 s). */
  readonly dropped: number;
  /**
   * Stops forwarding and closes the connection, after sending what waits: also when the connection is
   * still being set up (a run shorter than that), for up to 10 s.
   */
  close(): Promise<void>;
}

/** A Stately inspection message (see `@statelyai/inspect`'s `StatelyInspectionEvent`). */
export interface StatelyMessage {
  readonly type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
  readonly sessionId: string;
  readonly rootId: string;
  readonly createdAt: string;
  readonly _version: string;
  readonly id: null;
  readonly name?: string;
  readonly parentId?: string;
  readonly sourceId?: string;
  readonly definition?: string;
  readonly snapshot?: unknown;
  readonly event?: unknown;
}

/** How long `close()` waits for a connection still being set up before it gives up on it. */
const CONNECT_GRACE_MS = 10_000;

/**
 * How long `close()` waits for the messages sent to reach the kernel, and then for the peer's
 * answer to the closing handshake, before cutting the connection off: a loaded peer may take
 * seconds to read, and cutting it off earlier drops what it has not read yet.
 */
const FLUSH_GRACE_MS = 5_000;

/** Resolves once `promise` settles or `ms` pass first. */
function settledOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Resolves true once `ws` opens, false when it fails, closes or `ms` pass first. */
function opened(ws: WsSocket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      ws.off('open', onOpen);
      ws.off('close', onClose);
      resolve(value);
    };
    const onOpen = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    ws.once('open', onOpen);
    ws.once('close', onClose);
  });
}

/**
 * Forwards inspection events to a Stately-compatible WebSocket endpoint, in the format
 * `@statelyai/inspect`'s `createWebSocketInspector` sends: `@xstate.actor` with the machine's
 * definition, `@xstate.event` and `@xstate.snapshot`. Only where the network allows it: the
 * dashboard and traces need none of it. Events and snapshots are sent as summaries (an event's
 * type and plain fields; a snapshot's status and state value; a batch as its id and size): a
 * run's results and work lists never cross. Unlike the dashboard, this serialises every event.
 *
 * @example
 * ```ts
 * await using stately = statelyInspector({ url: 'ws://127.0.0.1:8080' });
 * const task = stately.attach(backend.compute(computable));
 * await task.result();
 * ```
 */
export function statelyInspector(options: StatelyInspectorOptions): StatelyInspector {
  const maxDeferred = options.maxDeferred ?? 10_000;
  const waiting: string[] = [];
  const subscriptions: Subscription[] = [];
  let socket: WsSocket | undefined;
  let open = false;
  let closed = false;
  let sent = 0;
  let dropped = 0;
  /** Settles once the last message sent has been written to the connection (or failed). */
  let written: Promise<void> = Promise.resolve();

  const connecting = import('ws').then(({ WebSocket }) => {
    // Closed before the module loaded (a run shorter than that): connect all the same if messages
    // wait, close() sends them once the connection opens.
    if (closed && waiting.length === 0) return;
    const ws = new WebSocket(options.url);
    socket = ws;
    ws.on('open', () => {
      open = true;
      for (const message of waiting.splice(0)) send(message);
    });
    ws.on('error', (error) => options.onError?.(error));
    ws.on('close', () => {
      open = false;
    });
  });

  function send(message: string): void {
    if (open && socket !== undefined) {
      const ws = socket;
      written = new Promise((resolve) => ws.send(message, () => resolve()));
      sent++;
      return;
    }
    waiting.push(message);
    if (waiting.length > maxDeferred) {
      waiting.shift();
      dropped++;
    }
  }

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    await connecting.catch(() => undefined);
    const ws = socket;
    if (ws === undefined) return;
    // A run shorter than the connection's set-up: what waits goes out once it opens (its 'open'
    // handler sends it), so a quick run's messages are not lost; a peer that never answers is cut off.
    if (ws.readyState === ws.CONNECTING && !(await opened(ws, CONNECT_GRACE_MS))) {
      // Still connecting after the grace (a failed connection has reported its error already).
      if (ws.readyState === ws.CONNECTING && waiting.length > 0) {
        dropped += waiting.length;
        options.onError?.(new Error(`the connection did not open within ${CONNECT_GRACE_MS / 1000} s; ${waiting.length} message(s) not sent`));
        waiting.length = 0;
      }
      ws.terminate();
      return;
    }
    if (ws.readyState === ws.CLOSING) {
      ws.terminate();
      return;
    }
    if (ws.readyState === ws.OPEN) {
      // Everything sent is handed to the kernel before the closing handshake: terminating with
      // messages still queued in the process would drop them.
      await settledOrAfter(written, FLUSH_GRACE_MS);
      if (ws.readyState !== ws.OPEN) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // A peer that does not answer the closing handshake is cut off.
          ws.terminate();
          resolve();
        }, FLUSH_GRACE_MS);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close(1000);
      });
    }
  };

  return {
    attach(task) {
      if (closed) throw new Error('Expected an open Stately inspector, got one that was closed');
      // What exists already: the supervisor and its children, as Stately's actor messages.
      const root = task.actor as AnyActorRef;
      send(JSON.stringify(actorMessage(root, root.sessionId)));
      for (const child of Object.values(root.getSnapshot().children ?? {}) as AnyActorRef[]) send(JSON.stringify(actorMessage(child, root.sessionId)));
      subscriptions.push(
        task.actor.system.inspect((event) => {
          // Stately's protocol has actors, events and snapshots; xstate's other kinds (actions,
          // microsteps) have no message in it.
          if (event.type !== '@xstate.actor' && event.type !== '@xstate.event' && event.type !== '@xstate.snapshot') return;
          // Forwarding must never break the run: an event that cannot be converted is left out.
          try {
            send(JSON.stringify(toStately(event)));
          } catch {
            dropped++;
          }
        }),
      );
      return task;
    },
    get sent() {
      return sent;
    },
    get dropped() {
      return dropped;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

const definitions = new WeakMap<object, string>();

/** A machine's definition as JSON, functions as `{ type: name }` (as `@statelyai/inspect` does). */
function definitionOf(ref: AnyActorRef, name: string): string {
  const config = (ref as unknown as { logic?: { config?: unknown } }).logic?.config;
  if (typeof config !== 'object' || config === null) return JSON.stringify({ id: name });
  let json = definitions.get(config);
  if (json === undefined) {
    try {
      json = JSON.stringify(config, (_key, value: unknown) => (typeof value === 'function' ? { type: value.name } : value));
    } catch {
      json = JSON.stringify({ id: name });
    }
    definitions.set(config, json);
  }
  return json;
}

function actorMessage(ref: AnyActorRef, rootId: string): StatelyMessage {
  const config = (ref as unknown as { logic?: { config?: { id?: unknown } } }).logic?.config;
  const name = ref.id === ref.sessionId && typeof config?.id === 'string' ? config.id : ref.id;
  return {
    type: '@xstate.actor',
    name,
    sessionId: ref.sessionId,
    rootId,
    ...(ref._parent === undefined ? {} : { parentId: ref._parent.sessionId }),
    definition: definitionOf(ref, name),
    snapshot: snapshotSummary(snapshotOf(ref)),
    createdAt: Date.now().toString(),
    _version: STATELY_INSPECT_VERSION,
    id: null,
  };
}

/** An actor's snapshot; one that is still initialising (announced before it can be read) is `active`. */
function snapshotOf(ref: AnyActorRef): unknown {
  try {
    return ref.getSnapshot();
  } catch {
    return { status: 'active' };
  }
}

/** Converts one xstate inspection event to Stately's message. */
export function toStately(event: InspectionEvent): StatelyMessage {
  const base = { sessionId: event.actorRef.sessionId, rootId: event.rootId, createdAt: Date.now().toString(), _version: STATELY_INSPECT_VERSION, id: null };
  switch (event.type) {
    case '@xstate.actor':
      return actorMessage(event.actorRef as AnyActorRef, event.rootId);
    case '@xstate.event':
      return {
        ...base,
        type: '@xstate.event',
        event: summary(event.event),
        ...(event.sourceRef === undefined ? {} : { sourceId: event.sourceRef.sessionId }),
      };
    case '@xstate.snapshot':
      return { ...base, type: '@xstate.snapshot', event: summary(event.event), snapshot: snapshotSummary(event.snapshot) };
    default:
      throw new Error(`Expected an xstate inspection event, got ${(event as { type: string }).type}`);
  }
}

/** A snapshot's status and state value (its context holds the run: results, work lists). */
function snapshotSummary(snapshot: unknown): unknown {
  const s = (snapshot ?? {}) as { status?: unknown; value?: unknown; context?: unknown };
  return { status: s.status ?? 'active', ...(s.value === undefined ? {} : { value: s.value }), context: summary(s.context) };
}

/** An object's plain fields; nested objects as their `id` and size when they have them, else a marker. */
function summary(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (Array.isArray(v)) out[key] = `[${v.length} items]`;
    else if (typeof v === 'object') {
      const { id, items } = v as { id?: unknown; items?: unknown };
      out[key] = typeof id === 'number' || typeof id === 'string' ? { id, ...(Array.isArray(items) ? { n: items.length } : {}) } : '{…}';
    }
  }
  return out;
}
