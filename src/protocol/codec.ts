/**
 * How a class instance crosses a thread or process boundary and comes back as the same class.
 * `encode` returns structured-cloneable data and pushes any `ArrayBuffer`s it wants moved (not
 * copied) onto `transfer`; `decode` rebuilds the instance.
 *
 * @example
 * ```ts
 * registerCodec<Count>({
 *   tag: 'my.Count',
 *   is: (v): v is Count => v instanceof Count,
 *   encode: (c) => c.n,
 *   decode: (n) => new Count(n as number),
 * });
 * ```
 */
export interface Codec<T = unknown> {
  /** A unique type tag, e.g. `'cortado.Hist'`. */
  readonly tag: string;
  is(value: unknown): value is T;
  encode(value: T, transfer: ArrayBuffer[]): unknown;
  decode(data: unknown): T;
}

const byTag = new Map<string, Codec>();

/** Registers a codec (replacing one with the same tag). Register it in the processor's module, so workers see it too. */
export function registerCodec<T>(codec: Codec<T>): void {
  byTag.set(codec.tag, codec as Codec);
}

/** The codec registered under `tag`, if any. */
export function codecForTag(tag: string): Codec | undefined {
  return byTag.get(tag);
}

/** The codec that claims `value`, if any. */
export function codecFor(value: unknown): Codec | undefined {
  for (const codec of byTag.values()) if (codec.is(value)) return codec;
  return undefined;
}
