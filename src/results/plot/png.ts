import { Resvg } from '@resvg/resvg-js';
import type { Hist } from '../hist.ts';
import { findPlotFont } from './font.ts';
import { type SvgOptions, renderSvg } from './svg.ts';

/** Options of {@link renderPng}: the SVG options, in pixels. */
export interface PngOptions extends SvgOptions {
  /**
   * Font files to draw text with (they need Greek glyphs for `μ`).
   * @defaultValue the font {@link findPlotFont} finds
   */
  fontFiles?: string[];
}

/**
 * Renders what {@link renderSvg} draws as a PNG of `width` × `height` pixels, with resvg and a
 * font that has Greek glyphs (system fonts are not searched, so output is the same everywhere the
 * font is). Throws `E_PLOT_FONT` naming the package to install when no such font is found.
 *
 * @example
 * ```ts
 * await writeFile('mass.png', renderPng(h, { width: 800, height: 600, title: 'Z → μμ' }));
 * ```
 */
export function renderPng(hist: Hist, options: PngOptions = {}): Buffer {
  const { fontFiles, ...svgOptions } = options;
  const font = fontFiles === undefined ? findPlotFont() : { file: fontFiles[0] ?? '', family: 'DejaVu Sans' };
  const files = fontFiles ?? [font.file];
  const svg = renderSvg(hist, { fontFamily: `${font.family}, sans-serif`, ...svgOptions });
  const resvg = new Resvg(svg, {
    font: { fontFiles: files, loadSystemFonts: false, defaultFontFamily: font.family, sansSerifFamily: font.family },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}
