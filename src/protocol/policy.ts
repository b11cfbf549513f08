import type { z } from 'zod';
import { InvalidOptionsError } from './errors.ts';
import { lazySchema } from './lazy-zod.ts';

/**
 * How an error is recognised: an error class (matched with `instanceof` or by class name, so it
 * also works for errors that crossed a thread), a `code` string such as `'ENOENT'`, or a predicate.
 * Matching walks the `cause` chain.
 */
export type ErrorMatcher = (abstract new (...args: any[]) => unknown) | string | ((error: unknown) => boolean);

/** Exponential, jittered, capped backoff between retries. */
export interface BackoffOptions {
  /** First delay in milliseconds. @defaultValue 100 */
  initialMs: number;
  /** Growth per retry. @defaultValue 2 */
  factor: number;
  /** Largest delay in milliseconds. @defaultValue 10000 */
  maxMs: number;
  /** Fraction of the delay drawn at random (0 = none, 1 = full jitter). @defaultValue 0.5 */
  jitter: number;
}

/** The error policy, fully defaulted. */
export interface ErrorPolicy {
  /** Errors that cancel the task at once, without retrying. @defaultValue [] */
  cancelOn: ErrorMatcher[];
  /** Errors that skip the element at once (recorded in `failed`), without retrying. @defaultValue [] */
  continueOn: ErrorMatcher[];
  /** Retries of an element before giving up on it. @defaultValue 3 */
  maxRetries: number;
  /**
   * Errors that skip the element once its retries are spent; any other error then cancels the task.
   * @defaultValue I/O errors: `ENOENT`, `EACCES`, `EIO`, `ECONNRESET`, `ETIMEDOUT`, `EMFILE`, cortado's `E_IO_*`,
   * and `E_FILE_CHANGED` (a file that no longer matches its preparation is skipped like a truncated one)
   */
  continueAfterRetriesOn: ErrorMatcher[];
  /** Delay between retries. */
  backoff: BackoffOptions;
}

/** The error policy as a user writes it: every field optional. */
export type ErrorPolicyInput = Partial<Omit<ErrorPolicy, 'backoff'>> & { backoff?: Partial<BackoffOptions> | false };

/** Codes of the errors that count as I/O errors by default. */
export const IO_ERROR_CODES: readonly string[] = ['ENOENT', 'EACCES', 'EIO', 'ECONNRESET', 'ETIMEDOUT', 'EMFILE', 'EPIPE'];

/** Whether an error is an I/O error: a system I/O code or one of cortado's `E_IO_*` codes. */
export function isIoError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (IO_ERROR_CODES.includes(code) || code.startsWith('E_IO_'));
}

const policySchema = lazySchema((z) => {
  const matcher = z.union([z.string().min(1), z.custom<ErrorMatcher>((v) => typeof v === 'function', 'an error class or a predicate')]);

  const backoffSchema = z.strictObject({
    initialMs: z.number().min(0).default(100),
    factor: z.number().min(1).default(2),
    maxMs: z.number().min(0).default(10_000),
    jitter: z.number().min(0).max(1).default(0.5),
  });

  const schema = z.strictObject({
    cancelOn: z.array(matcher).default([]),
    continueOn: z.array(matcher).default([]),
    maxRetries: z.number().int().min(0).default(3),
    continueAfterRetriesOn: z.array(matcher).default([isIoError, 'E_FILE_CHANGED']),
    backoff: z
      .union([backoffSchema, z.literal(false)])
      .default({ initialMs: 100, factor: 2, maxMs: 10_000, jitter: 0.5 })
      .transform((b) => (b === false ? { initialMs: 0, factor: 1, maxMs: 0, jitter: 0 } : b)),
  });
  return schema;
});

/** Formats zod issues as one line per problem: `errorPolicy.maxRetries: expected ..., got ...`. */
export function formatIssues(prefix: string, error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      let got: unknown = input;
      for (const key of issue.path) got = (got as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
      const shown = typeof got === 'function' ? `function ${got.name}` : JSON.stringify(got) ?? String(got);
      return `\`${path}\`: ${issue.message}, got ${shown} (${got === null ? 'null' : typeof got})`;
    })
    .join('; ');
}

/**
 * Validates and defaults an error policy.
 *
 * @example
 * ```ts
 * resolveErrorPolicy({ continueOn: ['ENOENT'], maxRetries: 1 });
 * ```
 */
export function resolveErrorPolicy(input: ErrorPolicyInput = {}): ErrorPolicy {
  const parsed = policySchema().safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid errorPolicy: ${formatIssues('errorPolicy', parsed.error, input)}`);
  return parsed.data as ErrorPolicy;
}

function matchesOne(error: unknown, m: ErrorMatcher): boolean {
  if (typeof m === 'string') {
    const e = error as { code?: unknown; name?: unknown } | null;
    return e?.code === m || e?.name === m;
  }
  if (isClass(m)) {
    if (error instanceof (m as abstract new (...args: any[]) => unknown)) return true;
    // Errors that crossed a thread keep their class name but not their prototype.
    return (error as { name?: unknown } | null)?.name === m.name && (error as { crossedThread?: unknown }).crossedThread === true;
  }
  return (m as (e: unknown) => boolean)(error);
}

function isClass(f: ErrorMatcher): boolean {
  return typeof f === 'function' && (f === Error || f.prototype instanceof Error || /^class[\s{]/.test(Function.prototype.toString.call(f)));
}

/** Whether `error` or anything on its `cause` chain matches one of `matchers`. */
export function matchesError(error: unknown, matchers: readonly ErrorMatcher[]): boolean {
  if (matchers.length === 0) return false;
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    for (const m of matchers) if (matchesOne(current, m)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Codes of errors that a retry cannot mend (the file is not what it should be): they go straight
 * to the after-retries decision instead of being retried.
 */
export const PERMANENT_ERROR_CODES: readonly string[] = [
  'E_IO_TREE_NOT_FOUND',
  'E_IO_BRANCH_NOT_FOUND',
  'E_IO_MALFORMED',
  'E_IO_UNSUPPORTED',
  'E_FILE_CHANGED',
];

function isPermanent(error: unknown): boolean {
  return matchesError(error, [(e) => PERMANENT_ERROR_CODES.includes((e as { code?: string } | null)?.code ?? '')]);
}

/** Codes of resource exhaustion: the element is split in halves instead of retried. */
export const EXHAUSTION_CODES: readonly string[] = ['E_WORKER_OOM', 'E_ELEMENT_TIMEOUT'];

/** Whether an error (or its cause chain) says the element ran out of memory or time. */
export function isExhaustion(error: unknown): boolean {
  return matchesError(error, [(e) => EXHAUSTION_CODES.includes((e as { code?: string } | null)?.code ?? '')]);
}

/** What to do about a failed element. */
export type PolicyDecision = { action: 'retry'; delayMs: number } | { action: 'continue' } | { action: 'cancel' };

/**
 * Applies the policy to an element that failed on its `attempts`-th try: `cancelOn` cancels,
 * `continueOn` skips, otherwise it is retried up to `maxRetries` times (errors with a
 * {@link PERMANENT_ERROR_CODES | permanent code} are not), and then skipped if it matches
 * `continueAfterRetriesOn`, else the task is cancelled.
 * `random` is injectable so tests are deterministic.
 */
export function decide(policy: ErrorPolicy, error: unknown, attempts: number, random: () => number = Math.random): PolicyDecision {
  if (matchesError(error, policy.cancelOn)) return { action: 'cancel' };
  if (matchesError(error, policy.continueOn)) return { action: 'continue' };
  if (attempts <= policy.maxRetries && !isPermanent(error)) return { action: 'retry', delayMs: backoffDelay(policy.backoff, attempts, random) };
  return matchesError(error, policy.continueAfterRetriesOn) ? { action: 'continue' } : { action: 'cancel' };
}

/** Delay before retry number `retry` (1-based): exponential, capped, jittered downwards. */
export function backoffDelay(backoff: BackoffOptions, retry: number, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (retry - 1));
  return Math.round(base * (1 - backoff.jitter * random()));
}
