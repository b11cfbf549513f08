/**
 * Python's `repr` of a float, so values read by cortado compare as text with what a Python reader
 * printed: shortest round-trip digits, `1.0` for whole numbers, an exponent from 1e16 and below 1e-4.
 *
 * @example
 * ```ts
 * pyFloatRepr(3); // '3.0'
 * pyFloatRepr(1e-5); // '1e-05'
 * ```
 */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return n.toFixed(1);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mantissa, exponent] = n.toExponential().split('e');
    const e = Number(exponent);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}
