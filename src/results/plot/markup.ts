/**
 * The label mini-markup of plots, a small subset of ROOT's TLatex / matplotlib mathtext:
 *
 * - `_x` or `_{xy}` is a subscript, `^x` or `^{xy}` a superscript: `p_T`, `m_{μμ}`, `E^{miss}_T`;
 * - `\mu`, `\eta`, `\Delta`... are Greek letters (Unicode letters like `μ` work as they are);
 *   also `\pm`, `\times`, `\to`, `\rightarrow`, `\ell`, `\infty`, `\sqrt`, `\cdot`, `\gamma`...;
 * - `\_`, `\^`, `\{`, `\}`, `\\` are the characters themselves; bare `{...}` only groups.
 */

/** A run of text at one baseline. */
export interface MarkupSegment {
  readonly text: string;
  readonly shift: 'base' | 'sub' | 'super';
}

const GREEK: Record<string, string> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', varepsilon: 'ε', zeta: 'ζ', eta: 'η',
  theta: 'θ', vartheta: 'ϑ', iota: 'ι', kappa: 'κ', lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', omicron: 'ο',
  pi: 'π', rho: 'ρ', sigma: 'σ', varsigma: 'ς', tau: 'τ', upsilon: 'υ', phi: 'φ', varphi: 'ϕ', chi: 'χ',
  psi: 'ψ', omega: 'ω',
  Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ', Xi: 'Ξ', Pi: 'Π', Sigma: 'Σ', Upsilon: 'Υ', Phi: 'Φ',
  Psi: 'Ψ', Omega: 'Ω',
  pm: '±', mp: '∓', times: '×', cdot: '·', to: '→', rightarrow: '→', leftarrow: '←', ell: 'ℓ',
  infty: '∞', sqrt: '√', leq: '≤', geq: '≥', neq: '≠', approx: '≈', sim: '∼', degree: '°', circ: '∘',
};

/** Reads one token at `i`: a `\command`, an escaped character, or one character. Returns text and the next index. */
function token(src: string, i: number): [string, number] {
  if (src[i] === '\\') {
    const m = /^[A-Za-z]+/.exec(src.slice(i + 1));
    if (m) {
      const name = m[0];
      const symbol = GREEK[name];
      // `\mu ` swallows one following space, as TeX does, so `\mu m` can be written.
      let next = i + 1 + name.length;
      if (symbol !== undefined && src[next] === ' ' && /[A-Za-z]/.test(src[next + 1] ?? '')) next++;
      return [symbol ?? `\\${name}`, next];
    }
    if (i + 1 < src.length) return [src[i + 1] as string, i + 2];
    return ['\\', i + 1];
  }
  const cp = src.codePointAt(i) as number;
  const ch = String.fromCodePoint(cp);
  return [ch, i + ch.length];
}

/** Reads a `{...}` group starting after its `{`; returns its plain text (markup resolved) and the next index. */
function group(src: string, i: number): [string, number] {
  let depth = 1;
  let text = '';
  while (i < src.length) {
    const c = src[i];
    if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      depth--;
      i++;
      if (depth === 0) break;
    } else if (c === '_' || c === '^') {
      i++; // nested scripts flatten into the enclosing one
    } else {
      const [t, next] = token(src, i);
      text += t;
      i = next;
    }
  }
  return [text, i];
}

/**
 * Splits a label into runs of normal, subscript and superscript text.
 *
 * @example
 * ```ts
 * parseMarkup('p_T [GeV]');   // [{text:'p',shift:'base'}, {text:'T',shift:'sub'}, {text:' [GeV]',shift:'base'}]
 * parseMarkup('m_{\\mu\\mu}'); // [{text:'m',shift:'base'}, {text:'μμ',shift:'sub'}]
 * ```
 */
export function parseMarkup(src: string): MarkupSegment[] {
  const out: MarkupSegment[] = [];
  const push = (text: string, shift: MarkupSegment['shift']): void => {
    if (text === '') return;
    const last = out[out.length - 1];
    if (last && last.shift === shift) out[out.length - 1] = { text: last.text + text, shift };
    else out.push({ text, shift });
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if ((c === '_' || c === '^') && i + 1 < src.length) {
      const shift = c === '_' ? 'sub' : 'super';
      let text: string;
      if (src[i + 1] === '{') [text, i] = group(src, i + 2);
      else [text, i] = token(src, i + 1);
      push(text, shift);
    } else if (c === '{') {
      const [text, next] = group(src, i + 1);
      push(text, 'base');
      i = next;
    } else if (c === '}') {
      i++;
    } else {
      const [text, next] = token(src, i);
      push(text, 'base');
      i = next;
    }
  }
  return out;
}

/** The label as plain Unicode text (scripts inline), for titles of files and terminals. */
export function markupToText(src: string): string {
  return parseMarkup(src)
    .map((s) => s.text)
    .join('');
}

/** Escapes text for SVG character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/**
 * The label as SVG `<text>` content: scripts become `<tspan baseline-shift="sub|super">` at 70 %
 * of `fontSize`. With `literal`, the text is escaped but not marked up (axis names such as `muon_pt`).
 */
export function markupToSvg(src: string, fontSize: number, literal = false): string {
  if (literal) return escapeXml(src);
  const small = Math.round(fontSize * 0.7 * 10) / 10;
  return parseMarkup(src)
    .map((s) =>
      s.shift === 'base' ? escapeXml(s.text) : `<tspan baseline-shift="${s.shift}" font-size="${small}">${escapeXml(s.text)}</tspan>`,
    )
    .join('');
}

/** A rough width of the rendered label in px (for legend boxes): 0.6 em per character, 0.42 em in scripts. */
export function estimateWidth(src: string, fontSize: number, literal = false): number {
  if (literal) return [...src].length * fontSize * 0.6;
  return parseMarkup(src).reduce((w, s) => w + [...s.text].length * fontSize * (s.shift === 'base' ? 0.6 : 0.42), 0);
}
