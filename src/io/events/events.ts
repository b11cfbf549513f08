import { isJagged, type Column, type ColumnSet, type JaggedColumn, type NumericArray } from '../columns.ts';
import { IoError } from '../errors.ts';
import type { ColumnKind } from '../source.ts';
import { closeNames } from './close-names.ts';
import {
  withFieldAccess,
  type Collection,
  type CollectionBase,
  type ElectronField,
  type FlatRecord,
  type GenPartField,
  type JetField,
  type MetField,
  type MuonField,
  type PhotonField,
  type RecordBase,
  type TauField,
} from './collection.ts';

/** Loads one column on first access; `undefined` when the column does not exist. */
export type ColumnLoader = (name: string) => Column | undefined;

/** How to build {@link Events}: columns at hand, a loader for the rest, or both. */
export interface EventsInit {
  /** Number of events. */
  readonly length: number;
  /** Columns already read. */
  readonly columns?: ColumnSet;
  /** Reads a column on first access (synchronously, e.g. from a preloaded cache). */
  readonly load?: ColumnLoader;
  /**
   * Every column name that exists, for `has()`, `names` and "did you mean" errors; or a function
   * giving them, called once on first need (a ROOT tree then describes its branches only if the
   * processor asks).
   */
  readonly names?: readonly string[] | (() => readonly string[]);
  /**
   * The stored type of each column (`bool` is a Uint8Array in memory), for writers that keep it:
   * a map, or a function of one name.
   */
  readonly kinds?: ReadonlyMap<string, ColumnKind> | ((name: string) => ColumnKind | undefined);
}

/**
 * Columnar events over one entry range: flat columns as typed arrays, jagged ones as
 * `{offsets, values}`, and NanoAOD collections (`events.Muon.pt` from `Muon_pt` + `nMuon`).
 * Every column read is recorded in `accessed`, so a runner can preload exactly those next time.
 *
 * @example
 * ```ts
 * const events = Events.fromColumns(await source.read(['nMuon', 'Muon_pt'], 0, 1000));
 * events.Muon.pt;       // JaggedColumn: offsets per event, Float32Array values
 * events.Muon.counts;   // Int32Array, muons per event
 * events.accessed;      // Set { 'nMuon', 'Muon_pt' }
 * ```
 */
const KINEMATIC = new Set(['pt', 'eta', 'phi', 'mass']);

export class Events {
  /** Number of events. */
  readonly length: number;
  #columns = new Map<string, Column>();
  #load: ColumnLoader | undefined;
  #givenNames: readonly string[] | (() => readonly string[]) | undefined;
  #nameList: readonly string[] | undefined;
  #nameSet: ReadonlySet<string> | undefined;
  #kinds: ReadonlyMap<string, ColumnKind> | ((name: string) => ColumnKind | undefined) | undefined;
  #accessed = new Set<string>();
  #collections = new Map<string, CollectionBase>();
  #records = new Map<string, RecordBase>();

  constructor(init: EventsInit) {
    if (!Number.isInteger(init.length) || init.length < 0) {
      throw new RangeError(`Expected Events length to be an integer from 0 up, got ${init.length}`);
    }
    this.length = init.length;
    for (const [name, column] of Object.entries(init.columns ?? {})) this.#columns.set(name, column);
    this.#load = init.load;
    this.#givenNames = init.names;
    this.#kinds = init.kinds;
  }

  /** The stored type of column `name` as the file declares it, when the events came from a file. */
  kindOf(name: string): ColumnKind | undefined {
    const kinds = this.#kinds;
    return typeof kinds === 'function' ? kinds(name) : kinds?.get(name);
  }

  /**
   * Events over columns already read; the length comes from the first column when not given.
   *
   * @example
   * ```ts
   * const events = Events.fromColumns({ nMuon: Uint32Array.of(0, 2), Muon_pt: { offsets: Int32Array.of(0, 0, 2), values: Float32Array.of(40, 30) } });
   * ```
   */
  static fromColumns(columns: ColumnSet, length?: number): Events {
    const first = Object.values(columns)[0];
    const inferred = first === undefined ? 0 : isJagged(first) ? first.offsets.length - 1 : first.length;
    return new Events({ length: length ?? inferred, columns });
  }

  /** Names of the columns read so far (through any accessor). */
  get accessed(): ReadonlySet<string> {
    return this.#accessed;
  }

  /** The names given (a function's are asked for once), or undefined. */
  #names(): readonly string[] | undefined {
    const given = this.#givenNames;
    if (typeof given !== 'function') return given;
    this.#nameList ??= given();
    return this.#nameList;
  }

  /** Whether `name` is among the names given; undefined when none were. */
  #hasName(name: string): boolean | undefined {
    const names = this.#names();
    if (names === undefined) return undefined;
    this.#nameSet ??= new Set(names);
    return this.#nameSet.has(name);
  }

  /** Every column name known: the `names` given, else the columns at hand. */
  get names(): readonly string[] {
    return this.#names() ?? [...this.#columns.keys()];
  }

  /** Whether the column exists (does not load it). */
  has(name: string): boolean {
    if (this.#columns.has(name)) return true;
    return this.#hasName(name) ?? false;
  }

  /** The column `name`; a missing one throws `IoError` `E_IO_BRANCH_NOT_FOUND` listing close names. */
  column(name: string): Column {
    let column = this.#columns.get(name);
    if (column === undefined && this.#load !== undefined && (this.#hasName(name) ?? true)) {
      column = this.#load(name);
      if (column !== undefined) this.#columns.set(name, column);
    }
    if (column === undefined) throw this.#notFound(name);
    this.#accessed.add(name);
    return column;
  }

  /** The flat column `name` (a typed array, one value per event). */
  flat(name: string): NumericArray {
    const column = this.column(name);
    if (isJagged(column)) throw new TypeError(`Expected column ${name} to be flat (one value per event), got a jagged column`);
    return column;
  }

  /** The jagged column `name` (`{offsets, values}`). */
  jagged(name: string): JaggedColumn {
    const column = this.column(name);
    if (!isJagged(column)) throw new TypeError(`Expected column ${name} to be jagged ({offsets, values}), got a flat ${column.constructor.name}`);
    return column;
  }

  /**
   * The NanoAOD collection `name`: fields `<name>_<field>`, counts from `n<name>`.
   * Built once and cached; fields load on first access.
   */
  collection<F extends string = string>(name: string): Collection<F> {
    let collection = this.#collections.get(name);
    if (collection === undefined) {
      collection = withFieldAccess(new EventsCollection(this, name));
      this.#collections.set(name, collection);
    }
    return collection as Collection<F>;
  }

  /** A record of flat columns `<name>_<field>` (`MET_pt`): `events.record('MET').pt`. */
  record<F extends string = string>(name: string): FlatRecord<F> {
    let record = this.#records.get(name);
    if (record === undefined) {
      record = withFieldAccess(new EventsRecord(this, name));
      this.#records.set(name, record);
    }
    return record as FlatRecord<F>;
  }

  /** NanoAOD muons: `events.Muon.pt`, `.eta`, `.phi`, `.mass`, `.charge`, `.counts`. */
  get Muon(): Collection<MuonField> {
    return this.collection<MuonField>('Muon');
  }
  /** NanoAOD electrons. */
  get Electron(): Collection<ElectronField> {
    return this.collection<ElectronField>('Electron');
  }
  /** NanoAOD jets. */
  get Jet(): Collection<JetField> {
    return this.collection<JetField>('Jet');
  }
  /** NanoAOD photons. */
  get Photon(): Collection<PhotonField> {
    return this.collection<PhotonField>('Photon');
  }
  /** NanoAOD taus. */
  get Tau(): Collection<TauField> {
    return this.collection<TauField>('Tau');
  }
  /** NanoAOD generator particles. */
  get GenPart(): Collection<GenPartField> {
    return this.collection<GenPartField>('GenPart');
  }
  /** NanoAOD missing transverse momentum: `events.MET.pt`. */
  get MET(): FlatRecord<MetField> {
    return this.record<MetField>('MET');
  }

  #notFound(name: string): IoError {
    const available = closeNames(name, this.names);
    const hint = available.length > 0 ? `; close names: ${available.join(', ')}` : '';
    return new IoError(
      'E_IO_BRANCH_NOT_FOUND',
      `Expected a column ${name} in these events, got none of that name among ${this.names.length} columns${hint}`,
      { branch: name, available },
    );
  }
}

// Plain `private` fields, not `#private`: these objects sit behind a Proxy (withFieldAccess), and
// `#private` fields throw when a method runs with the proxy as `this`.
class EventsCollection implements CollectionBase {
  readonly name: string;
  private readonly _events: Events;
  private _counts: Int32Array | undefined;
  private _offsets: Int32Array | undefined;

  constructor(events: Events, name: string) {
    this._events = events;
    this.name = name;
  }

  get length(): number {
    return this._events.length;
  }

  get fields(): readonly string[] {
    const prefix = `${this.name}_`;
    return this._events.names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  }

  has(field: string): boolean {
    return this._events.has(`${this.name}_${field}`);
  }

  field(field: string): JaggedColumn {
    const column = this._events.jagged(`${this.name}_${field}`);
    if (KINEMATIC.has(field) && !(column.values instanceof Float32Array || column.values instanceof Float64Array)) {
      // Kinematics are typed as floating point (they fill histograms and four-vectors); a file that
      // stores them otherwise is converted once, here.
      return { offsets: column.offsets, values: Float64Array.from(column.values as ArrayLike<number>) };
    }
    return column;
  }

  get counts(): Int32Array {
    if (this._counts === undefined) {
      const counter = `n${this.name}`;
      if (this._events.has(counter)) {
        this._counts = Int32Array.from(this._events.flat(counter) as ArrayLike<number>);
      } else {
        const offsets = this.anyField().offsets;
        const counts = new Int32Array(offsets.length - 1);
        for (let i = 0; i < counts.length; i++) counts[i] = offsets[i + 1]! - offsets[i]!;
        this._counts = counts;
      }
    }
    return this._counts;
  }

  get offsets(): Int32Array {
    if (this._offsets === undefined) {
      const counts = this.counts;
      const offsets = new Int32Array(counts.length + 1);
      for (let i = 0; i < counts.length; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
      this._offsets = offsets;
    }
    return this._offsets;
  }

  private anyField(): JaggedColumn {
    const first = this.fields[0];
    if (first === undefined) return this.field('pt'); // throws the not-found error with close names
    return this.field(first);
  }
}

class EventsRecord implements RecordBase {
  readonly name: string;
  private readonly _events: Events;

  constructor(events: Events, name: string) {
    this._events = events;
    this.name = name;
  }

  get fields(): readonly string[] {
    const prefix = `${this.name}_`;
    return this._events.names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  }

  has(field: string): boolean {
    return this._events.has(`${this.name}_${field}`);
  }

  field(field: string): NumericArray {
    return this._events.flat(`${this.name}_${field}`);
  }
}
