import { existsSync } from 'node:fs';
import { HistError } from '../errors.ts';

/** A font file for PNG rendering and the family name it provides. */
export interface PlotFont {
  readonly file: string;
  readonly family: string;
}

/**
 * Fonts with Greek glyphs, where common systems install them. DejaVu Sans comes first: Debian and
 * Ubuntu ship it in `fonts-dejavu-core` (present on desktop installs, absent from slim images).
 */
export const FONT_CANDIDATES: readonly PlotFont[] = [
  { file: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', family: 'DejaVu Sans' }, // Debian, Ubuntu
  { file: '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf', family: 'DejaVu Sans' }, // Fedora
  { file: '/usr/share/fonts/dejavu/DejaVuSans.ttf', family: 'DejaVu Sans' }, // older Fedora, Alpine
  { file: '/usr/share/fonts/TTF/DejaVuSans.ttf', family: 'DejaVu Sans' }, // Arch
  { file: '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', family: 'Liberation Sans' },
  { file: '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf', family: 'Noto Sans' },
  { file: '/Library/Fonts/Arial Unicode.ttf', family: 'Arial Unicode MS' }, // macOS
  { file: '/System/Library/Fonts/Supplemental/Arial.ttf', family: 'Arial' }, // macOS
  { file: 'C:\\Windows\\Fonts\\arial.ttf', family: 'Arial' },
];

/**
 * The font PNG rendering uses: `CORTADO_FONT` (a .ttf/.otf path) when set, else the first of
 * {@link FONT_CANDIDATES} that exists. Throws `E_PLOT_FONT` naming the package to install when none does.
 *
 * @example
 * ```ts
 * const { file, family } = findPlotFont(); // '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 'DejaVu Sans'
 * ```
 */
export function findPlotFont(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): PlotFont {
  const own = env.CORTADO_FONT;
  if (own !== undefined && own !== '') {
    if (!exists(own)) {
      throw new HistError('E_PLOT_FONT', `Expected CORTADO_FONT to name a font file (.ttf or .otf), got '${own}', which does not exist`);
    }
    return { file: own, family: 'DejaVu Sans' };
  }
  const found = FONT_CANDIDATES.find((c) => exists(c.file));
  if (found) return found;
  throw new HistError(
    'E_PLOT_FONT',
    `No font with Greek glyphs found for PNG plots (looked for ${FONT_CANDIDATES.map((c) => c.file).join(', ')}). ` +
      'On Debian or Ubuntu run `apt-get install -y fonts-dejavu-core`, or set CORTADO_FONT to a .ttf file that has Greek letters.',
  );
}
