import type { BranchInfo } from '../source.ts';
import { basketRefs, branchLayout, type BasketRef, type BranchLayout, type LayoutContext } from './layout.ts';
import { UnknownVersion } from './members.ts';
import { listItems, type RootObject } from './objects.ts';
import { asMalformed } from './records.ts';
import type { StreamerInfo } from './streamers.ts';
import type { BranchStub, TreeRecord } from './tree-record.ts';

/**
 * The branches of a TTree by name, each read and described as a {@link BranchLayout} on first
 * use: a top-level branch is a stub until then (see `readTreeRecord`). Sub-branches of split
 * objects are columns too, named by their path (`evt/evt.fD64`) and, when unambiguous, by their
 * own name (`evt.fD64`). Iterating values (or {@link infos}) resolves every branch.
 *
 * @example
 * ```ts
 * const layouts = new LazyLayouts(record, undefined, { path: 'nano_dy.root', tree: 'Events' });
 * layouts.get('Muon_pt')?.kind; // 'float32', reading only Muon_pt's TBranch
 * ```
 */
export class LazyLayouts implements ReadonlyMap<string, BranchLayout> {
  #record: TreeRecord | (() => TreeRecord);
  #stubMap: Map<string, BranchStub> | undefined;
  readonly #resolved = new Map<string, RootObject | UnknownVersion>();
  readonly #layouts = new Map<string, BranchLayout>();
  #context: LayoutContext;
  #paths: string[] | undefined;
  #aliases: Map<string, string> | undefined;
  #infos: BranchInfo[] | undefined;
  /** Set when a branch needs a class version only the file's streamer info can describe. */
  wantsStreamers = false;

  readonly #where: { path: string; tree: string };

  /**
   * `where` names the file and tree in errors about branches that cannot be parsed. `record` may
   * be a function that parses it on first need, with `known` the layouts described from it before
   * (`TreeSeed.layouts`): those are served without it.
   */
  constructor(record: TreeRecord | (() => TreeRecord), streamers: ReadonlyMap<string, StreamerInfo> | undefined,
    where: { path: string; tree: string } = { path: '?', tree: '?' }, known?: ReadonlyMap<string, BranchLayout>) {
    this.#record = record;
    this.#where = where;
    this.#context = { streamers };
    if (known) for (const [name, layout] of known) this.#layouts.set(name, layout);
  }

  /** The tree record, parsed now if it was left for later. */
  get #tree(): TreeRecord {
    if (typeof this.#record === 'function') this.#record = this.#record();
    return this.#record;
  }

  /** Top-level branches by name (the first of a name). */
  get #stubs(): Map<string, BranchStub> {
    if (this.#stubMap) return this.#stubMap;
    const stubs = new Map<string, BranchStub>();
    for (const stub of this.#tree.stubs) if (!stubs.has(stub.fName)) stubs.set(stub.fName, stub);
    this.#stubMap = stubs;
    return stubs;
  }

  /** @internal Whether the tree record was parsed (a tree opened from a `TreeSeed` parses it on a miss only). */
  get parsed(): boolean {
    return typeof this.#record !== 'function';
  }

  /**
   * The layouts described so far, for a `TreeSeed`: baskets embedded in the record are copied,
   * so that the seed keeps no part of it.
   */
  known(): Map<string, BranchLayout> {
    const out = new Map<string, BranchLayout>();
    for (const [name, layout] of this.#layouts) {
      const embedded = layout.baskets.some((b) => b.embedded);
      out.set(name, embedded ? { ...layout, baskets: layout.baskets.map(detachBasket) } : layout);
    }
    return out;
  }

  /** @internal How many top-level branch records were read so far (tests and benchmarks). */
  get described(): number {
    return this.#resolved.size;
  }

  /** Whether the file's streamer info is at hand. */
  get hasStreamers(): boolean {
    return this.#context.streamers !== undefined;
  }

  /** Supplies the file's streamer info: branches that needed it are described again. */
  setStreamers(streamers: ReadonlyMap<string, StreamerInfo>): void {
    this.#context = { streamers };
    for (const [name, value] of this.#resolved) if (value instanceof UnknownVersion) this.#resolved.delete(name);
    this.#layouts.clear();
    this.#paths = undefined;
    this.#aliases = undefined;
    this.#infos = undefined;
    this.wantsStreamers = false;
  }

  #resolve(top: string): RootObject | UnknownVersion | undefined {
    const known = this.#resolved.get(top);
    if (known) return known;
    const stub = this.#stubs.get(top);
    if (!stub) return undefined;
    let value: RootObject | UnknownVersion;
    try {
      value = this.#tree.resolve(stub);
    } catch (error) {
      if (!(error instanceof UnknownVersion)) {
        throw asMalformed(error, this.#where.path, `a readable branch ${top} of tree ${this.#where.tree}`);
      }
      value = error;
      if (!this.hasStreamers) this.wantsStreamers = true;
    }
    this.#resolved.set(top, value);
    return value;
  }

  /** The branch object at a path (`top` or `top/sub/…`), reading the top-level branch if needed. */
  #branchAt(path: string): RootObject | UnknownVersion | undefined {
    const parts = path.split('/');
    let branch = this.#resolve(parts[0]!);
    for (let i = 1; i < parts.length && branch && !(branch instanceof UnknownVersion); i++) {
      branch = listItems(branch['fBranches']).find((b) => b['fName'] === parts[i]);
    }
    return branch;
  }

  get size(): number {
    return this.#allPaths().length;
  }

  has(name: string): boolean {
    return this.#layouts.has(name) || this.#stubs.has(name) || this.get(name) !== undefined;
  }

  get(name: string): BranchLayout | undefined {
    const known = this.#layouts.get(name);
    if (known) return known;
    let path = name;
    if (!this.#stubs.has(name.split('/')[0]!)) {
      const alias = this.#aliasMap().get(name);
      if (alias === undefined) return undefined;
      path = alias;
    }
    const branch = this.#branchAt(path);
    if (branch === undefined) return undefined;
    let layout: BranchLayout;
    if (branch instanceof UnknownVersion) {
      layout = {
        name: path, kind: undefined, jagged: false, fixed: 1, shape: [], hasEntryOffsets: false, headerBytes: 0,
        encoding: { type: 'plain' }, baskets: [], info: undefined,
        unsupported: `a branch of class ${branch.className} version ${branch.version}, which neither cortado's built-in ` +
          `readers nor the file's streamer info describe`,
      };
    } else {
      layout = branchLayout(branch, path, this.#context);
    }
    this.#layouts.set(name, layout);
    return layout;
  }

  /** Every branch path: top-level names, then `parent/child` for sub-branches of split objects. */
  #allPaths(): string[] {
    if (this.#paths) return this.#paths;
    const out: string[] = [];
    const visit = (branch: RootObject, path: string): void => {
      for (const sub of listItems(branch['fBranches'])) {
        const p = `${path}/${String(sub['fName'])}`;
        out.push(p);
        visit(sub, p);
      }
    };
    for (const [name, stub] of this.#stubs) {
      out.push(name);
      // Only object branches are read here to find sub-branches; plain TBranches rarely have any.
      if (stub._class === 'TBranch') continue;
      const branch = this.#resolve(name);
      if (branch && !(branch instanceof UnknownVersion)) visit(branch, name);
    }
    this.#paths = out;
    return out;
  }

  /** Sub-branch paths by their own name (`evt.fD64` → `evt/evt.fD64`), where that name is unique. */
  #aliasMap(): Map<string, string> {
    if (this.#aliases) return this.#aliases;
    const counts = new Map<string, number>();
    const target = new Map<string, string>();
    for (const path of this.#allPaths()) {
      if (!path.includes('/')) continue;
      const own = path.slice(path.lastIndexOf('/') + 1);
      counts.set(own, (counts.get(own) ?? 0) + 1);
      target.set(own, path);
    }
    const out = new Map<string, string>();
    for (const [own, path] of target) if (counts.get(own) === 1 && !this.#stubs.has(own)) out.set(own, path);
    this.#aliases = out;
    return out;
  }

  /** First entry of each basket of branch `name` (as in its layout's `baskets`); undefined for an unknown name. */
  basketStarts(name: string): readonly number[] | undefined {
    const known = this.#layouts.get(name);
    if (known) return known.baskets.map((basket) => basket.start);
    const stub = this.#stubs.get(name);
    if (stub && !this.#resolved.has(name)) {
      // Only the basket map: streaming the 1,500 branches of a NanoAOD tree costs ~10× (most of preparing it).
      const skimmed = this.#tree.skim(stub);
      if (skimmed) return basketRefs(skimmed).map((basket) => basket.start);
    }
    // The branch's record only, not its layout (leaf types, shapes): cluster boundaries of a tree
    // without cluster ranges ask this of every branch, and describing them all costs ~3× more.
    let path = name;
    if (!this.#stubs.has(name.split('/')[0]!)) {
      const alias = this.#aliasMap().get(name);
      if (alias === undefined) return undefined;
      path = alias;
    }
    const top = path.split('/')[0]!;
    const kept = this.#resolved.has(top);
    const branch = this.#branchAt(path);
    if (branch === undefined) return undefined;
    if (branch instanceof UnknownVersion) return [];
    const starts = basketRefs(branch).map((basket) => basket.start);
    // Nor is the record kept: 1,500 parsed branches are most of a tree's metadata in memory, and
    // the few a chunk reads are parsed again when it reads them.
    if (!kept && top === path) this.#resolved.delete(top);
    return starts;
  }

  keys(): MapIterator<string> {
    return this.#allPaths()[Symbol.iterator]() as MapIterator<string>;
  }

  *values(): MapIterator<BranchLayout> {
    for (const name of this.#allPaths()) yield this.get(name)!;
  }

  *entries(): MapIterator<[string, BranchLayout]> {
    for (const name of this.#allPaths()) yield [name, this.get(name)!];
  }

  [Symbol.iterator](): MapIterator<[string, BranchLayout]> {
    return this.entries();
  }

  forEach(fn: (value: BranchLayout, key: string, map: ReadonlyMap<string, BranchLayout>) => void, thisArg?: unknown): void {
    for (const [name, layout] of this.entries()) fn.call(thisArg, layout, name, this);
  }

  /** The readable branches in file order (resolves every branch once). */
  infos(): readonly BranchInfo[] {
    if (this.#infos) return this.#infos;
    const out: BranchInfo[] = [];
    for (const layout of this.values()) if (layout.info) out.push(layout.info);
    this.#infos = out;
    return out;
  }
}

/** A basket reference that owns its embedded bytes (a copy, not a view into the tree record). */
function detachBasket(basket: BasketRef): BasketRef {
  const embedded = basket.embedded;
  if (!embedded) return basket;
  // `new Uint8Array(view)` copies (a Buffer's `slice` would be another view).
  const offsets = embedded.offsets ? new Int32Array(embedded.offsets) : undefined;
  return { ...basket, embedded: { data: new Uint8Array(embedded.data), offsets } };
}
