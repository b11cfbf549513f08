import { CortadoError, type CortadoErrorOptions } from '../../protocol/errors.ts';

/**
 * A dataset's files lack the entry counts that chunking needs: run `prepare()` (or `preprocess()`)
 * first, or give `entries` in each file.
 */
export class DatasetNotPreparedError extends CortadoError {
  readonly dataset: string;
  readonly path: string;

  constructor(dataset: string, path: string, options?: CortadoErrorOptions) {
    super(
      'E_DATASET_NOT_PREPARED',
      `Expected file "${path}" of dataset "${dataset}" to have \`entries\` (or \`steps\`), got neither: ` +
        `run \`await preprocess(backend, data)\` (or compute \`prepare(data)\` and \`applyPreparation\`) first, ` +
        `or give \`{ entries }\` in the file`,
      options,
    );
    this.dataset = dataset;
    this.path = path;
  }
}

/**
 * A processor read a column that the chunk did not load (columns learnt from earlier chunks did not
 * include it). The column is remembered, so a retry of the element loads it.
 */
export class ColumnNotLoadedError extends CortadoError {
  readonly column: string;

  constructor(column: string, options?: CortadoErrorOptions) {
    super(
      'E_COLUMN_NOT_LOADED',
      `Column "${column}" was not loaded for this chunk (earlier chunks did not read it); it is now ` +
        `remembered and a retry loads it. Declare it up front with the \`columns\` option to avoid the retry`,
      options,
    );
    this.column = column;
  }
}

/**
 * A file's contents are not those that were prepared (its uuid differs): its entry counts and steps
 * may no longer hold. Prepare the dataset again.
 */
export class FileChangedError extends CortadoError {
  readonly path: string;

  constructor(path: string, expected: string, got: string, options?: CortadoErrorOptions) {
    super(
      'E_FILE_CHANGED',
      `Expected ${path} to have uuid ${expected} (as prepared), got ${got}: the file changed since preparation; prepare the dataset again`,
      options,
    );
    this.path = path;
  }
}

/** A dataset lists the same file (and tree) twice: its events would be processed twice. */
export class DuplicateFileError extends CortadoError {
  readonly dataset: string;
  readonly path: string;

  constructor(dataset: string, path: string, treename: string, options?: CortadoErrorOptions) {
    super('E_DUPLICATE_FILE', `Expected each file once in dataset "${dataset}", got "${path}" (tree ${treename}) twice: its events would be counted twice`, options);
    this.dataset = dataset;
    this.path = path;
  }
}

/**
 * A file does not hold the number of entries it was prepared with: the prepared counts are stale
 * (the file was rewritten since). Code `E_FILE_CHANGED`, like a changed uuid: by default the
 * chunk is skipped and reported, never read past the file's end nor silently cut short.
 */
export class EntriesChangedError extends CortadoError {
  readonly path: string;
  readonly expected: number;
  readonly actual: number;

  constructor(path: string, treename: string, expected: number, actual: number, options?: CortadoErrorOptions) {
    super(
      'E_FILE_CHANGED',
      `Expected ${path} (tree ${treename}) to have ${expected} entries (as prepared), got ${actual}: the file changed since preparation; ` +
        `${actual < expected ? 'the prepared entries past its end cannot be read' : `its entries from ${expected} on would be left out`}; prepare the dataset again`,
      options,
    );
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A file that preparation could not open and `dropMissing` left out of its dataset: listed as a failure of every run over it. */
export class FileDroppedError extends CortadoError {
  readonly path: string;
  readonly dataset: string;

  constructor(dataset: string, path: string, treename: string, reason: { name: string; code?: string; message: string }) {
    super(
      'E_FILE_DROPPED',
      `File ${path} (tree ${treename}) of dataset "${dataset}" was left out when the dataset was prepared (dropMissing), ` +
        `because ${reason.code ?? reason.name}: ${reason.message}; its events are not in the result — prepare it again once it opens`,
    );
    this.path = path;
    this.dataset = dataset;
  }
}
