import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hist } from '../hist.ts';
import { HistError } from '../errors.ts';
import { deserializeResult } from '../serialize.ts';
import { renderPng } from './png.ts';
import { renderSvg } from './svg.ts';

/** Options of {@link writePlots}. */
export interface WritePlotsOptions {
  /** PNG width in px (the SVG gets the same size). @defaultValue 800 */
  width?: number;
  /** PNG height in px. @defaultValue 600 */
  height?: number;
  /** Which files to write per histogram. @defaultValue `['svg', 'png']` */
  formats?: readonly ('svg' | 'png')[];
  /** Whether to draw error bars. @defaultValue false */
  errors?: boolean;
  /** Font files for the PNGs. @defaultValue the font `findPlotFont()` finds */
  fontFiles?: string[];
}

/** A histogram found in a result tree, with the key path that leads to it. */
export interface FoundHist {
  readonly path: readonly string[];
  readonly hist: Hist;
}

/**
 * Every `Hist` in a result tree, depth first, with its key path. Walks plain records, `Map`s,
 * arrays, and any object with an `entries()` method that yields `[key, value]` pairs (results
 * grouped per dataset); other values are skipped.
 */
export function findHists(result: unknown, path: string[] = []): FoundHist[] {
  if (result instanceof Hist) return [{ path: [...path], hist: result }];
  if (typeof result !== 'object' || result === null || ArrayBuffer.isView(result) || result instanceof Set) return [];
  let entries: Iterable<[unknown, unknown]>;
  if (Array.isArray(result)) entries = result.entries();
  else if (typeof (result as { entries?: unknown }).entries === 'function') entries = (result as Map<unknown, unknown>).entries();
  else entries = Object.entries(result);
  const out: FoundHist[] = [];
  for (const [key, value] of entries) out.push(...findHists(value, [...path, String(key)]));
  return out;
}

/** A file name from a key path: segments made file-safe and joined with `.`; `hist` at the root. */
function baseName(path: readonly string[]): string {
  if (path.length === 0) return 'hist';
  return path.map((s) => s.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || '_').join('.');
}

/**
 * Writes one plot per histogram in a result tree into `outDir` (created if needed): an SVG and a
 * PNG named after the key path (`{ ZJets: { mass } }` → `ZJets.mass.svg`, `ZJets.mass.png`), each
 * titled with that path. N-D histograms are drawn along their first numeric axis with one line per
 * category of their first category axis. Returns the paths written.
 *
 * @example
 * ```ts
 * const files = await writePlots(await task.result(), 'plots/');
 * // ['plots/DYJets.mass.svg', 'plots/DYJets.mass.png', ...]
 * ```
 */
export async function writePlots(result: unknown, outDir: string, options: WritePlotsOptions = {}): Promise<string[]> {
  const found = findHists(result);
  const formats = options.formats ?? ['svg', 'png'];
  const size = { width: options.width ?? 800, height: options.height ?? 600 };
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const used = new Map<string, number>();
  for (const { path, hist } of found) {
    let name = baseName(path);
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    if (n > 1) name = `${name}-${n}`;
    const common = { ...size, ...(path.length > 0 && { title: path.join(' / ') }), ...(options.errors !== undefined && { errors: options.errors }) };
    for (const format of formats) {
      const file = join(outDir, `${name}.${format}`);
      if (format === 'svg') {
        // Category and dataset names in titles are data, not markup: escape `_` and `^`.
        await writeFile(file, renderSvg(hist, { ...common, ...(common.title !== undefined && { title: literal(common.title) }) }));
      } else {
        const png = renderPng(hist, {
          ...common,
          ...(common.title !== undefined && { title: literal(common.title) }),
          ...(options.fontFiles !== undefined && { fontFiles: options.fontFiles }),
        });
        await writeFile(file, png);
      }
      written.push(file);
    }
  }
  return written;
}

/** Escapes mini-markup so text shows as written. */
function literal(text: string): string {
  return text.replace(/[\\_^{}]/g, (c) => `\\${c}`);
}

/**
 * Loads a result JSON written with `serializeResult` (or a bare histogram JSON) and writes its plots
 * with {@link writePlots}. What `cortado plot result.json --out dir/` runs.
 *
 * @example
 * ```ts
 * await plotResultFile('result.json', 'plots/');
 * ```
 */
export async function plotResultFile(jsonPath: string, outDir: string, options: WritePlotsOptions = {}): Promise<string[]> {
  const text = await readFile(jsonPath, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HistError('E_HIST_FORMAT', `Expected ${jsonPath} to hold JSON written by serializeResult(), got text that does not parse`, {}, { cause: error });
  }
  const written = await writePlots(deserializeResult(json), outDir, options);
  if (written.length === 0) {
    throw new HistError('E_PLOT', `Expected at least one histogram in ${jsonPath}, found none to plot`);
  }
  return written;
}
