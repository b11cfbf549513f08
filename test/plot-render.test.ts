import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { category } from '../src/results/category.ts';
import { integer } from '../src/results/integer.ts';
import { renderSvg } from '../src/results/plot/svg.ts';
import { renderPng } from '../src/results/plot/png.ts';
import { findPlotFont } from '../src/results/plot/font.ts';
import { findHists, plotResultFile, writePlots } from '../src/results/plot/write.ts';
import { serializeResult } from '../src/results/serialize.ts';

/** A Z peak over a falling background, deterministic. */
function zPeak(n: number): { mass: Float64Array; dataset: string[] } {
  let s = 7;
  const r = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const mass = new Float64Array(n);
  const dataset: string[] = [];
  for (let i = 0; i < n; i++) {
    const signal = r() < 0.6;
    mass[i] = signal ? 91.2 + 2.5 * Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r()) : 60 + 60 * r() ** 2;
    dataset.push(signal ? 'DYJets' : 'TTbar');
  }
  return { mass, dataset };
}

function massHist(): Hist {
  return new Hist(regular(60, 60, 120, { name: 'mass', label: 'm_{μμ} [GeV]' })).fill({ mass: zPeak(5000).mass });
}

const fontMissing = ((): string | undefined => {
  try {
    findPlotFont();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
})();

/** PNG tests need a font with Greek glyphs: skipped with a warning without one, failed on CI. */
function describeWithFont(name: string, fn: () => void): void {
  if (fontMissing === undefined || process.env.CI) describe(name, fn);
  else {
    console.warn(`Skipping "${name}": ${fontMissing}`);
    describe.runIf(false)(name, fn);
  }
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('renderSvg', () => {
  it('writes the axis label with μ and the subscript as a baseline-shifted tspan', () => {
    const svg = renderSvg(massHist(), { title: 'Z → \\mu\\mu' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toMatch(/>m<tspan baseline-shift="sub" font-size="[\d.]+">μμ<\/tspan> \[GeV\]<\/text>/);
    expect(svg).toContain('Entries / 1 GeV');
    expect(svg).toContain('>Z → μμ</text>');
    for (const tick of ['>60<', '>80<', '>100<', '>120<']) expect(svg).toContain(tick);
  });

  it('draws one line per category with a legend for an N-D histogram', () => {
    const { mass, dataset } = zPeak(2000);
    const h = new Hist(
      regular(30, 60, 120, { name: 'mass', label: 'm_{μμ} [GeV]' }),
      integer(0, 3, { name: 'nJet' }),
      category([], { name: 'dataset', growth: true }),
    ).fill({ mass, nJet: 1, dataset });
    const svg = renderSvg(h);
    expect(svg.match(/<path d="M[^"]*" fill="none" stroke="#/g)).toHaveLength(2);
    expect(svg).toContain('>DYJets</text>');
    expect(svg).toContain('>TTbar</text>');
  });

  it('shows an axis name without a label literally, not as markup', () => {
    const h = new Hist(regular(10, 0, 100, { name: 'muon_pt' })).fill({ muon_pt: [5, 15] });
    expect(renderSvg(h)).toContain('>muon_pt</text>');
  });

  it('rejects options of the wrong type with E_INVALID_OPTIONS', () => {
    expect(() => renderSvg(massHist(), { width: 'wide' as unknown as number })).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTIONS' }));
  });
});

describe('findPlotFont', () => {
  it('finds a font with Greek glyphs or names the package to install', () => {
    expect(() => findPlotFont({}, () => false)).toThrow(/apt-get install -y fonts-dejavu-core/);
    expect(findPlotFont({}, (p) => p.endsWith('DejaVuSans.ttf')).family).toBe('DejaVu Sans');
    expect(() => findPlotFont({ CORTADO_FONT: '/nowhere/x.ttf' }, () => false)).toThrow(/CORTADO_FONT.*does not exist/);
  });
});

describeWithFont('renderPng', () => {
  it('renders a valid PNG of the requested size', () => {
    const png = renderPng(massHist(), { width: 700, height: 450, title: 'Z → μμ' });
    expect(pngSize(png)).toEqual({ width: 700, height: 450 });
  });
});

describeWithFont('writePlots and plotResultFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-plot-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const result = () => ({
    nEvents: 5000,
    DYJets: { mass: massHist(), cutflow: new Map([['all', 5000n]]) },
    byDataset: new Map([['TT/bar', { mass: massHist() }]]),
  });

  it('finds every Hist with its key path through records and Maps', () => {
    expect(findHists(result()).map((f) => f.path)).toEqual([
      ['DYJets', 'mass'],
      ['byDataset', 'TT/bar', 'mass'],
    ]);
  });

  it('writes one SVG and one PNG per histogram, named after the key path', async () => {
    const out = join(dir, 'direct');
    const files = await writePlots(result(), out, { width: 400, height: 300 });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['DYJets.mass.svg', 'DYJets.mass.png', 'byDataset.TT_bar.mass.svg', 'byDataset.TT_bar.mass.png']);
    expect(pngSize(await readFile(join(out, 'DYJets.mass.png')))).toEqual({ width: 400, height: 300 });
    expect(await readFile(join(out, 'byDataset.TT_bar.mass.svg'), 'utf8')).toContain('byDataset / TT/bar / mass');
  });

  it('plots a result JSON written with serializeResult', async () => {
    const json = join(dir, 'result.json');
    await writeFile(json, JSON.stringify(serializeResult(result())));
    const files = await plotResultFile(json, join(dir, 'from-json'), { formats: ['svg'] });
    expect(files).toHaveLength(2);
    expect(files.every((f) => existsSync(f))).toBe(true);
  });

  it('says so when a result JSON holds no histogram', async () => {
    const json = join(dir, 'empty.json');
    await writeFile(json, JSON.stringify(serializeResult({ n: 1 })));
    await expect(plotResultFile(json, join(dir, 'none'))).rejects.toThrow(/at least one histogram/);
  });
});
