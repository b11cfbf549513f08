import type { ColumnSet } from './columns.ts';

/** The type of a branch or column, as cortado decodes it. */
export type ColumnKind =
  | 'bool' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';

/** Describes one readable branch/column. */
export interface BranchInfo {
  readonly name: string;
  readonly kind: ColumnKind;
  /** For jagged branches, the name of the counter branch (`nMuon` for `Muon_pt`). */
  readonly counter?: string;
  readonly jagged: boolean;
}

/**
 * An opened tree (ROOT TTree or Parquet file): the one interface datasets and Events use,
 * whichever the format. Must be closed (it is `AsyncDisposable`).
 */
export interface EventSource extends AsyncDisposable {
  readonly path: string;
  readonly treename: string;
  readonly format: 'root' | 'parquet';
  readonly entries: number;
  readonly branches: readonly BranchInfo[];
  /** Entry boundaries of clusters (ROOT) or row groups (Parquet): `[0, …, entries]`. */
  readonly clusters: readonly number[];
  /** A stable identity of the file (ROOT file UUID; a content hash for Parquet). */
  readonly uuid: string;
  /**
   * The readable branch `name`, or undefined: what `branches` holds for it, found without
   * describing every other branch (a ROOT tree reads only that branch's record). Optional; a
   * caller falls back to `branches`.
   */
  describe?(name: string): BranchInfo | undefined;
  /** Reads `columns` over entries `[start, stop)`. */
  read(columns: readonly string[], start: number, stop: number, signal?: AbortSignal): Promise<ColumnSet>;
  close(): Promise<void>;
}
