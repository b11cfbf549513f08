import { describe, expect, it } from 'vitest';
import { markupToSvg, markupToText, parseMarkup } from '../src/results/plot/markup.ts';
import { formatTicks, niceTicks } from '../src/results/plot/ticks.ts';

describe('plot mini-markup', () => {
  it('reads p_T and p_{T} as p with subscript T', () => {
    const expected = [
      { text: 'p', shift: 'base' },
      { text: 'T', shift: 'sub' },
      { text: ' [GeV]', shift: 'base' },
    ];
    expect(parseMarkup('p_T [GeV]')).toEqual(expected);
    expect(parseMarkup('p_{T} [GeV]')).toEqual(expected);
  });

  it('renders \\mu and μ alike', () => {
    expect(markupToText('m_{\\mu\\mu}')).toBe('mμμ');
    expect(markupToText('m_{μμ}')).toBe('mμμ');
    expect(markupToText('\\Delta\\eta, \\pm 1, \\mu m')).toBe('Δη, ± 1, μm');
  });

  it('reads superscripts, escapes and groups', () => {
    expect(parseMarkup('E^{miss}_T')).toEqual([
      { text: 'E', shift: 'base' },
      { text: 'miss', shift: 'super' },
      { text: 'T', shift: 'sub' },
    ]);
    expect(markupToText('a\\_b \\{c\\} {d}')).toBe('a_b {c} d');
  });

  it('writes scripts as tspans with baseline-shift and escapes XML', () => {
    expect(markupToSvg('p_T & <x>', 10)).toBe('p<tspan baseline-shift="sub" font-size="7">T</tspan> &amp; &lt;x&gt;');
    expect(markupToSvg('muon_pt', 10, true)).toBe('muon_pt');
  });
});

describe('axis ticks', () => {
  it('picks nice steps within the range', () => {
    expect(niceTicks(60, 120, 6)).toEqual({ step: 10, ticks: [60, 70, 80, 90, 100, 110, 120] });
    expect(niceTicks(0, 0.5, 5).ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(0, 37, 6).step).toBe(5);
  });

  it('formats ticks with the decimals their step needs, and powers of ten for large numbers', () => {
    expect(formatTicks([0, 0.25, 0.5], 0.25)).toEqual(['0', '0.25', '0.50']);
    expect(formatTicks([0, 2.5, 5], 2.5)).toEqual(['0', '2.5', '5.0']);
    expect(formatTicks([0, 5e5, 1e6, 1.5e6], 5e5)).toEqual(['0', '5×10^{5}', '10^{6}', '1.5×10^{6}']);
  });
});
