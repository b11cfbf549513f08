import { CortadoError, type CortadoErrorOptions } from '../protocol/errors.ts';

/**
 * Stable codes of histogram and plotting errors:
 * - `E_HIST_AXIS`: an axis definition is invalid (no bins, stop before start, unsorted edges, duplicate names).
 * - `E_HIST_AXIS_MISMATCH`: two histograms that should add have different axes.
 * - `E_HIST_FILL`: a fill named a missing axis, an unknown one, or arrays of different lengths.
 * - `E_HIST_FORMAT`: a histogram JSON or serialized result did not have the documented shape.
 * - `E_PLOT`: a histogram cannot be plotted as asked (no numeric axis, unknown axis name).
 * - `E_PLOT_FONT`: no font with Greek glyphs was found for PNG rendering.
 */
export type HistErrorCode =
  | 'E_HIST_AXIS'
  | 'E_HIST_AXIS_MISMATCH'
  | 'E_HIST_FILL'
  | 'E_HIST_FORMAT'
  | 'E_PLOT'
  | 'E_PLOT_FONT';

/** Details a histogram error may carry. */
export interface HistErrorDetails {
  /** The axis concerned, by name. */
  readonly axis?: string;
  /** What differed, e.g. `'bins'`, `'edges'`, `'label'`, `'categories'`. */
  readonly field?: string;
}

/**
 * An error building, filling, adding, reading or plotting a {@link Hist}, with a stable `code`.
 *
 * @example
 * ```ts
 * try { a.add(b); }
 * catch (e) { if (e instanceof HistError && e.code === 'E_HIST_AXIS_MISMATCH') console.log(e.axis, e.field); }
 * ```
 */
export class HistError extends CortadoError {
  /** The axis concerned, by name, when there is one. */
  readonly axis: string | undefined;
  /** What differed or was wrong about the axis, when known. */
  readonly field: string | undefined;

  constructor(code: HistErrorCode, message: string, details: HistErrorDetails = {}, options?: CortadoErrorOptions) {
    super(code, message, options);
    this.axis = details.axis;
    this.field = details.field;
  }
}
