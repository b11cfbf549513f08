import { EMPTY, assertMergeable, cloneResult, merge, type Empty } from '../protocol/result.ts';
import type { Axis } from '../results/axes.ts';
import { Hist } from '../results/hist.ts';
import { parseHistJSON } from '../results/hist-json.ts';
import { deserializeResult } from '../results/serialize.ts';
import { HIST_CELLS } from './record-codec.ts';

/** The binary cells of the record being folded (journal records keep histogram cells in binary). */
type Cells = Float64Array | undefined;

/**
 * A result being folded from its serialized form. Numbers, plain records and histograms with
 * fixed axes are summed straight from the parsed JSON into one accumulator, so replaying many
 * records builds no `Hist` (nor zod validation, nor typed arrays) per record; anything else is
 * decoded and merged as a live value.
 */
type Acc =
  | { kind: 'number'; value: number }
  | { kind: 'record'; fields: Map<string, Acc> }
  | { kind: 'hist'; axesText: string; axes: Axis[]; sumw: Float64Array; sumw2: Float64Array }
  | { kind: 'live'; value: unknown };

/**
 * Folds serialized results (`serializeResult(...).value` trees) left to right into one result,
 * exactly as `merge` of their decoded values would, bit for bit: numbers add in the same order,
 * record keys keep merge's order, a histogram's cells add cell by cell. Every value is checked as
 * decoding checks it (and that it merges with an empty of its kind); a value that does not decode or merge throws (the journal reports it
 * as damaged).
 *
 * Written by hand because replay is where resume time goes: decoding 100,000 records of a
 * histogram one by one costs seconds (a zod parse, axes and two typed arrays each).
 *
 * @example
 * ```ts
 * const fold = new ResultFold();
 * for (const record of records) fold.add(record.value);
 * const merged = fold.result(); // same as mergeAll(records.map(deserialize))
 * ```
 */
export class ResultFold {
  #acc: Acc | undefined;

  /** Whether nothing was folded in yet. */
  get empty(): boolean {
    return this.#acc === undefined;
  }

  /** Folds in a live value (a snapshot's, already decoded). */
  addLive(value: unknown): void {
    this.#acc = this.#acc === undefined ? { kind: 'live', value } : { kind: 'live', value: merge(materialize(this.#acc, false) as Empty, value as Empty) };
  }

  /** Folds in the `value` of a serialized result envelope (`cells`: its record's binary cells). */
  add(json: unknown, cells?: Float64Array): void {
    this.#acc = fold(this.#acc, json, cells);
  }

  /** The merged result, a copy of its own (the caller may merge into it): the fold goes on. */
  result(): unknown {
    return this.#acc === undefined ? EMPTY : materialize(this.#acc, true);
  }

  /**
   * The merged result sharing the fold's storage, to serialize at once (a snapshot): not to be
   * kept, nor changed.
   */
  peek(): unknown {
    return this.#acc === undefined ? EMPTY : materialize(this.#acc, false);
  }
}

function isPlainJsonRecord(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && !Object.hasOwn(json, '$type');
}

/** A histogram node: dense JSON (`cortado.Hist`) or cells in the record's binary part (`HIST_CELLS`). */
type HistNode =
  | { readonly binary: false; readonly axes: unknown; readonly json: { type?: unknown; version?: unknown; storage?: unknown; sumw: unknown[]; sumw2: unknown[] } }
  | { readonly binary: true; readonly axesText: string; readonly offset: number; readonly n: number; readonly k: number | undefined; readonly cells: Float64Array };

/** The histogram a node holds when none of its axes grows (growing category axes merge the slow way). */
function histNode(json: unknown, cells: Cells): HistNode | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const tag = (json as { $type?: unknown }).$type;
  let node: HistNode;
  if (tag === 'cortado.Hist') {
    const value = (json as { value?: unknown }).value as { axes?: unknown; sumw?: unknown; sumw2?: unknown } | undefined;
    if (typeof value !== 'object' || value === null || !Array.isArray(value.sumw) || !Array.isArray(value.sumw2)) return undefined;
    node = { binary: false, axes: value.axes, json: value as Extract<HistNode, { binary: false }>['json'] };
  } else if (tag === HIST_CELLS) {
    node = cellsNode(json, cells);
    // Our own JSON.stringify output: the key appears unescaped only as a key (a label's quotes are escaped).
    return node.axesText.includes('"growth":true') ? undefined : node;
  } else {
    return undefined;
  }
  const axes: unknown = node.axes;
  return Array.isArray(axes) && axes.every((a) => typeof a === 'object' && a !== null && (a as { growth?: unknown }).growth !== true) ? node : undefined;
}

function cellsNode(json: object, cells: Cells): Extract<HistNode, { binary: true }> {
  const at = (json as { cells?: unknown }).cells;
  const fits =
    cells !== undefined &&
    Array.isArray(at) &&
    (at.length === 2 || at.length === 3) &&
    at.every((x) => Number.isInteger(x) && x >= 0) &&
    at[0] + (at.length === 2 ? 2 * at[1] : 3 * at[2]) <= cells.length &&
    (at.length === 2 || at[2] <= at[1]);
  if (!fits) throw new Error(`histogram cells ${JSON.stringify(at)?.slice(0, 80)} lie outside the record's ${cells?.length ?? 0} cells`);
  const axesText = (json as { axes?: unknown }).axes;
  if (typeof axesText !== 'string') throw new Error('histogram axes are not JSON text');
  return { binary: true, axesText, offset: at[0], n: at[1], k: at[2], cells };
}

/** A binary node's cells, dense (for the first record of a fold and the slow way). */
function denseCells(node: Extract<HistNode, { binary: true }>): { sumw: Float64Array; sumw2: Float64Array } {
  const { cells, offset, n, k } = node;
  if (k === undefined) return { sumw: cells.slice(offset, offset + n), sumw2: cells.slice(offset + n, offset + 2 * n) };
  const sumw = new Float64Array(n);
  const sumw2 = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const i = cells[offset + 2 * k + j] as number;
    if (!isCellIndex(i, n)) throw new Error(`histogram cell index ${i} is outside its ${n} cells`);
    sumw[i] = cells[offset + j] as number;
    sumw2[i] = cells[offset + k + j] as number;
  }
  return { sumw, sumw2 };
}

/** A binary node as `cortado.Hist` JSON (validated by `parseHistJSON` / `Hist.fromJSON` like any other). */
function denseJson(node: Extract<HistNode, { binary: true }>): object {
  const { sumw, sumw2 } = denseCells(node);
  let axes: unknown;
  try {
    axes = JSON.parse(node.axesText);
  } catch {
    throw new Error('histogram axes are not JSON text');
  }
  return { type: 'cortado.Hist', version: 1, axes, storage: 'weight', sumw: Array.from(sumw, jsonNumber), sumw2: Array.from(sumw2, jsonNumber) };
}

/** The tree with its `HIST_CELLS` nodes turned into `cortado.Hist` JSON, for the slow way. */
function rehydrate(json: unknown, cells: Cells): unknown {
  if (typeof json !== 'object' || json === null) return json;
  if (Array.isArray(json)) return json.map((item) => rehydrate(item, cells));
  if ((json as { $type?: unknown }).$type === HIST_CELLS) return { $type: 'cortado.Hist', value: denseJson(cellsNode(json, cells)) };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(json)) out[key] = rehydrate((json as Record<string, unknown>)[key], cells);
  return out;
}

function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/** A decoded value, checked as the journal checks each result. */
function decodeLive(json: unknown, cells: Cells): unknown {
  const value = deserializeResult({ type: 'cortado.Result', version: 1, value: rehydrate(json, cells) });
  if (value !== EMPTY) assertMergeable(EMPTY, value);
  return value;
}

function start(json: unknown, cells: Cells): Acc {
  if (typeof json === 'number' && Number.isFinite(json)) return { kind: 'number', value: json };
  if (isPlainJsonRecord(json)) {
    const fields = new Map<string, Acc>();
    for (const key of Object.keys(json)) fields.set(key, start(json[key], cells));
    return { kind: 'record', fields };
  }
  const hist = histNode(json, cells);
  if (hist !== undefined) {
    const { axes, sumw, sumw2 } = parseHistJSON(hist.binary ? denseJson(hist) : hist.json);
    return { kind: 'hist', axesText: hist.binary ? hist.axesText : JSON.stringify(hist.axes), axes, sumw, sumw2 };
  }
  return { kind: 'live', value: decodeLive(json, cells) };
}

function fold(acc: Acc | undefined, json: unknown, cells: Cells): Acc {
  if (acc === undefined) return start(json, cells);
  switch (acc.kind) {
    case 'number':
      if (typeof json === 'number' && Number.isFinite(json)) {
        acc.value += json;
        return acc;
      }
      break;
    case 'record':
      if (isPlainJsonRecord(json)) {
        for (const key of Object.keys(json)) {
          const field = acc.fields.get(key);
          acc.fields.set(key, field === undefined ? start(json[key], cells) : fold(field, json[key], cells));
        }
        return acc;
      }
      break;
    case 'hist': {
      const hist = histNode(json, cells);
      if (hist !== undefined && addCells(acc, hist)) return acc;
      break;
    }
    case 'live':
      acc.value = merge(acc.value as Empty, decodeLive(json, cells) as Empty);
      return acc;
  }
  return { kind: 'live', value: merge(materialize(acc, false) as Empty, decodeLive(json, cells) as Empty) };
}

/** Adds a histogram's cells when its axes are the accumulator's own; false to take the slow way. */
function addCells(acc: Extract<Acc, { kind: 'hist' }>, hist: HistNode): boolean {
  const sw = acc.sumw;
  const sw2 = acc.sumw2;
  const n = sw.length;
  if (hist.binary) {
    if (hist.n !== n || hist.axesText !== acc.axesText) return false;
    const { cells, offset, k } = hist;
    if (k === undefined) {
      for (let i = 0; i < n; i++) {
        sw[i] = (sw[i] as number) + (cells[offset + i] as number);
        sw2[i] = (sw2[i] as number) + (cells[offset + n + i] as number);
      }
      return true;
    }
    for (let j = 0; j < k; j++) if (!isCellIndex(cells[offset + 2 * k + j] as number, n)) return false;
    // Cells left out are +0: adding them would change nothing.
    for (let j = 0; j < k; j++) {
      const i = cells[offset + 2 * k + j] as number;
      sw[i] = (sw[i] as number) + (cells[offset + j] as number);
      sw2[i] = (sw2[i] as number) + (cells[offset + k + j] as number);
    }
    return true;
  }
  const { json } = hist;
  const { sumw, sumw2 } = json;
  if (json.type !== 'cortado.Hist' || json.version !== 1 || json.storage !== 'weight') return false;
  if (sumw.length !== n || sumw2.length !== n) return false;
  if (JSON.stringify(hist.axes) !== acc.axesText) return false;
  // Checked before adding, so a bad record leaves the sums as they were.
  for (let i = 0; i < n; i++) if (!isJsonNumber(sumw[i]) || !isJsonNumber(sumw2[i])) return false;
  for (let i = 0; i < n; i++) {
    const w = sumw[i] as number | string;
    const w2 = sumw2[i] as number | string;
    sw[i] = (sw[i] as number) + (typeof w === 'number' ? w : Number(w));
    sw2[i] = (sw2[i] as number) + (typeof w2 === 'number' ? w2 : Number(w2));
  }
  return true;
}

function isCellIndex(i: number, n: number): boolean {
  return Number.isInteger(i) && i >= 0 && i < n;
}

function isJsonNumber(x: unknown): boolean {
  return typeof x === 'number' || x === 'NaN' || x === 'Infinity' || x === '-Infinity';
}

/** The accumulator as a live value; `copy`: sharing nothing with it (else sharing its arrays and live values). */
function materialize(acc: Acc, copy: boolean): unknown {
  switch (acc.kind) {
    case 'number':
      return acc.value;
    case 'record': {
      const out: Record<string, unknown> = {};
      for (const [key, field] of acc.fields) out[key] = materialize(field, copy);
      return out;
    }
    case 'hist':
      return copy ? Hist.fromStorage(acc.axes, acc.sumw.slice(), acc.sumw2.slice()) : Hist.fromStorage(acc.axes, acc.sumw, acc.sumw2);
    case 'live':
      return copy ? cloneResult(acc.value) : acc.value;
  }
}

/** The tree inside a serialized result envelope, or `undefined` when it is not one. */
function envelopeValue(env: unknown): { value: unknown } | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const e = env as { type?: unknown; version?: unknown; value?: unknown };
  if (e.type === 'cortado.Hist') return { value: { $type: 'cortado.Hist', value: env } };
  if (e.type !== 'cortado.Result' || e.version !== 1 || !('value' in e)) return undefined;
  return { value: e.value };
}

/**
 * Folds `[group, serialized result]` pairs (a snapshot's or a journal record's) into `folds`, one
 * {@link ResultFold} per group, or says what is wrong with them.
 */
export function foldPairs(folds: Map<string | undefined, ResultFold>, pairs: unknown, cells?: Float64Array): string | undefined {
  if (!Array.isArray(pairs)) return 'expected a list of [group, result] pairs';
  for (const pair of pairs as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || !(pair[0] === null || typeof pair[0] === 'string')) return 'expected [group, result] pairs';
    const inner = envelopeValue(pair[1]);
    if (inner === undefined) return `a result does not decode as a result that merges: expected { type: 'cortado.Result', version: 1, value }, got ${JSON.stringify(pair[1])?.slice(0, 200)}`;
    const group = (pair[0] as string | null) ?? undefined;
    let fold = folds.get(group);
    if (fold === undefined) folds.set(group, (fold = new ResultFold()));
    try {
      fold.add(inner.value, cells);
    } catch (error) {
      return `a result does not decode as a result that merges: ${(error as Error).message}`;
    }
  }
  return undefined;
}
