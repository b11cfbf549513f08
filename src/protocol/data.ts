/**
 * A serializable description of a data element: what a worker thread or another machine needs to
 * load it. `kind` selects the loader registered with {@link registerDataKind}.
 */
export interface DataDescriptor {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/**
 * A lightweight description of data with an async `load()`. Loading is I/O; a backend may preload
 * the next element while computing the current one.
 */
export interface DataElement<T = unknown> {
  /** Loads the data. May return synchronously (values already in memory). */
  load(signal?: AbortSignal): T | Promise<T>;
  /** A serializable description; required to cross a thread or process boundary. */
  toDescriptor?(): DataDescriptor;
  /** Number of entries (events) this element covers, for progress and chunk sizing. */
  readonly entries?: number;
}

type DataLoader = (descriptor: DataDescriptor) => DataElement;

const loaders = new Map<string, DataLoader>();

/**
 * Registers how to rebuild a data element from its descriptor (in a worker thread).
 *
 * @example
 * ```ts
 * registerDataKind('value', (d) => new ValueData(d.value));
 * ```
 */
export function registerDataKind(kind: string, loader: DataLoader): void {
  loaders.set(kind, loader);
}

/** Rebuilds a data element from its descriptor; throws if the kind was never registered. */
export function dataFromDescriptor(descriptor: DataDescriptor): DataElement {
  const loader = loaders.get(descriptor.kind);
  if (loader === undefined) {
    throw new TypeError(
      `No loader is registered for data kind ${JSON.stringify(descriptor.kind)}; known kinds: ${[...loaders.keys()].join(', ') || '(none)'}`,
    );
  }
  return loader(descriptor);
}

/** A data element whose value is already in memory (and serializable with structured clone). */
export class ValueData<T> implements DataElement<T> {
  readonly value: T;
  constructor(value: T) {
    this.value = value;
  }
  load(): T {
    return this.value;
  }
  toDescriptor(): DataDescriptor {
    return { kind: 'value', value: this.value };
  }
}

registerDataKind('value', (d) => new ValueData(d['value']));
