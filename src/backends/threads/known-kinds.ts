import { dataFromDescriptor, type DataDescriptor, type DataElement } from '../../protocol/data.ts';

/**
 * Data kinds that cortado itself defines, and the module that registers each. A worker imports the
 * processor's module first (which registers the user's own kinds); a kind still unknown after that
 * is looked up here and its module imported once. `value` is built in (src/protocol/data.ts).
 */
const KIND_MODULES: Readonly<Record<string, () => Promise<unknown>>> = {
  events: () => import('../../io/dataset/events-data.ts'),
};

const importing = new Map<string, Promise<unknown>>();

/**
 * Rebuilds a data element from its descriptor in a worker, importing the module that registers its
 * kind when the kind is one of cortado's and not yet known in this thread.
 */
export async function loadDataElement(descriptor: DataDescriptor): Promise<DataElement> {
  try {
    return dataFromDescriptor(descriptor);
  } catch (error) {
    const load = KIND_MODULES[descriptor.kind];
    if (load === undefined) throw error;
    let pending = importing.get(descriptor.kind);
    if (pending === undefined) {
      pending = load();
      importing.set(descriptor.kind, pending);
    }
    await pending;
    return dataFromDescriptor(descriptor);
  }
}

/** Rebuilds a data element synchronously when its kind is known; `undefined` when it needs an import. */
export function tryDataElement(descriptor: DataDescriptor): DataElement | undefined {
  try {
    return dataFromDescriptor(descriptor);
  } catch {
    return undefined;
  }
}
