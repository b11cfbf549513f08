import type { ChunkSizeFor, Computable, StepGenerator, WorkElement } from '../protocol/computable.ts';
import type { DataDescriptor, DataElement } from '../protocol/data.ts';
import { InvalidOptionsError } from '../protocol/errors.ts';
import type { Processor } from '../protocol/processor.ts';
import { RangeSet, type Range } from '../protocol/range.ts';

/** A pretend file: a name and a number of entries. */
export interface TestFile {
  readonly name: string;
  readonly entries: number;
  /** The element group (dataset) with `grouped`. @defaultValue the file's name */
  readonly group?: string;
}

/**
 * The data of one element of {@link testFiles}: entries `[start, stop)` of `file`, which begin at
 * `offset` in the computable's index space. Loading it returns itself.
 */
export class FileSlice implements DataElement<FileSlice> {
  readonly file: string;
  readonly start: number;
  readonly stop: number;
  readonly offset: number;

  constructor(file: string, start: number, stop: number, offset: number) {
    this.file = file;
    this.start = start;
    this.stop = stop;
    this.offset = offset;
  }

  get entries(): number {
    return this.stop - this.start;
  }

  /** The first and last-plus-one entry in the computable's index space. */
  get range(): Range {
    return [this.offset + this.start, this.offset + this.stop];
  }

  load(): FileSlice {
    return this;
  }

  toDescriptor(): DataDescriptor {
    return { kind: 'cortado.testing.slice', file: this.file, start: this.start, stop: this.stop, offset: this.offset };
  }
}

/** What {@link countEntries} returns: entries seen and the sum of their indices, to catch double counts. */
export interface EntryCount {
  entries: number;
  checksum: number;
}

/** The default processor of {@link testFiles}: counts entries and sums their global indices. */
export function countEntries(slice: FileSlice): EntryCount {
  const [a, b] = slice.range;
  return { entries: b - a, checksum: ((a + b - 1) * (b - a)) / 2 };
}

/** The {@link EntryCount} a complete run over `files` gives. */
export function expectedCount(files: readonly TestFile[]): EntryCount {
  const n = files.reduce((sum, f) => sum + f.entries, 0);
  return { entries: n, checksum: ((n - 1) * n) / 2 };
}

/** Options of {@link testFiles}. */
export interface TestFilesOptions<R> {
  /** Entries per element until the runtime sends another size with `gen.next(n)`. @defaultValue 1000 */
  chunkSize?: number;
  /** Keep results per file group (dataset). @defaultValue false */
  grouped?: boolean;
  /** What each element computes. @defaultValue {@link countEntries} */
  processor?: Processor<FileSlice, R>;
  /** Identity of the computation. @defaultValue derived from the files */
  key?: string;
}

/**
 * A computable over pretend files, for tests and benchmarks of the runtime: the index space is
 * the files' entries one after another, elements are entry ranges within one file, a size sent
 * with `gen.next(n)` (or given per group by the runtime's `sizeFor`) re-tiles the rest, every element can `split()` in halves, and `restrict()`
 * re-tiles exactly the ranges asked for (so `partial().remaining()` works).
 *
 * @example
 * ```ts
 * const files = [{ name: 'A', entries: 50_000 }, { name: 'B', entries: 20_000 }];
 * const computable = testFiles(files, { chunkSize: 1000 });
 * // result: { entries: 70_000, checksum: 70_000 * 69_999 / 2 }
 * ```
 */
export function testFiles<R = EntryCount>(files: readonly TestFile[], options: TestFilesOptions<R> = {}): Computable<R> {
  const chunkSize = options.chunkSize ?? 1000;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new InvalidOptionsError(`Expected \`chunkSize\` to be an integer from 1 and up, got \`${String(chunkSize)}\` (${typeof chunkSize})`);
  }
  const processor = (options.processor ?? countEntries) as Processor<FileSlice, R>;
  const grouped = options.grouped ?? false;
  const offsets: number[] = [];
  let size = 0;
  for (const file of files) {
    offsets.push(size);
    size += file.entries;
  }
  const key = options.key ?? `testFiles(${files.map((f) => `${f.name}:${f.entries}`).join(',')})`;

  const element = (index: number, start: number, stop: number): WorkElement<R> => {
    const file = files[index]!;
    const data = new FileSlice(file.name, start, stop, offsets[index]!);
    return {
      range: data.range,
      data,
      processor,
      entries: stop - start,
      ...(grouped ? { group: file.group ?? file.name } : {}),
      split() {
        if (stop - start < 2) return undefined;
        const mid = start + Math.floor((stop - start) / 2);
        return [element(index, start, mid), element(index, mid, stop)];
      },
    };
  };

  const make = (segments: readonly Range[], suffix: string): Computable<R> => ({
    key: key + suffix,
    size,
    grouped,
    *steps(sizeFor?: ChunkSizeFor): StepGenerator<R> {
      let step = chunkSize;
      for (const [from, to] of segments) {
        for (let index = 0; index < files.length; index++) {
          const begin = Math.max(from, offsets[index]!);
          const end = Math.min(to, offsets[index]! + files[index]!.entries);
          const group = grouped ? (files[index]!.group ?? files[index]!.name) : undefined;
          for (let at = begin; at < end; ) {
            const asked = sizeFor?.(group);
            if (asked !== undefined && Number.isFinite(asked) && asked >= 1) step = Math.floor(asked);
            const stop = Math.min(end, at + step);
            const sent = yield element(index, at - offsets[index]!, stop - offsets[index]!);
            if (sent !== undefined && Number.isFinite(sent) && sent >= 1) step = Math.floor(sent);
            at = stop;
          }
        }
      }
    },
    restrict(ranges) {
      return make(new RangeSet(ranges).toArray(), `${suffix}#restricted`);
    },
  });
  return make(size > 0 ? [[0, size]] : [], '');
}
