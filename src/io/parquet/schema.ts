import type { SchemaTree } from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import type { ColumnKind } from '../source.ts';
import type { FooterMetadata } from './footer-metadata.ts';

/** Physical Parquet types cortado decodes into typed arrays. */
export type PhysicalType = 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE';

/** One readable leaf column of a Parquet file, under its ROOT-style (NanoAOD) name. */
export interface LeafColumn {
  /** ROOT-style name: `Muon_pt` for a flat list column and for `Muon.list.item.pt` alike. */
  readonly name: string;
  /** `path_in_schema` joined with `.`, the key of the column chunk in each row group. */
  readonly key: string;
  readonly physical: PhysicalType;
  readonly kind: ColumnKind;
  /** Maximum definition level (0 when every level of the path is required). */
  readonly maxDef: number;
  /** Maximum repetition level: 0 for flat columns, 1 for lists (deeper is unsupported). */
  readonly maxRep: number;
  /** Definition level at which a list element exists (lists only). */
  readonly elementDef: number;
}

/** A {@link LeafColumn} (one place builds them all: the same shape whether parsed or unpacked). */
export function leafColumn(name: string, key: string, physical: PhysicalType, kind: ColumnKind, maxDef: number, maxRep: number, elementDef: number): LeafColumn {
  // A flat column's key equals its name: one string, not two equal ones.
  return { name, key: key === name ? name : key, physical, kind, maxDef, maxRep, elementDef };
}

/** A column that exists in the file but cannot be decoded into a typed array. */
export interface UnsupportedColumn {
  readonly name: string;
  readonly reason: string;
}

/** The readable columns of a file, by ROOT-style name. */
export interface ParquetLayout {
  readonly leaves: ReadonlyMap<string, LeafColumn>;
  readonly unsupported: ReadonlyMap<string, UnsupportedColumn>;
}

// The `list` node of the LIST encoding (`Muon_pt.list.item`): a repeated group or leaf whose parent
// is annotated LIST. Neither it nor its single `item`/`element` child is part of the ROOT-style name.
function isRepeatedListNode(node: SchemaTree, parent: SchemaTree | undefined): boolean {
  if (parent === undefined || node.element.repetition_type !== 'REPEATED') return false;
  return parent.element.converted_type === 'LIST' || parent.element.logical_type?.type === 'LIST';
}

function kindOf(node: SchemaTree): ColumnKind | string {
  const { type, converted_type: converted, logical_type: logical } = node.element;
  switch (type) {
    case 'BOOLEAN':
      return 'bool';
    case 'FLOAT':
      return 'float32';
    case 'DOUBLE':
      return 'float64';
    case 'INT32': {
      if (logical?.type === 'INTEGER') {
        const bits = logical.bitWidth;
        const sign = logical.isSigned ? 'int' : 'uint';
        return `${sign}${bits === 8 || bits === 16 ? bits : 32}`;
      }
      // Any other logical type is no plain integer, with or without a converted type: writers
      // leave the converted type out where none matches (TIME, TIMESTAMP(NANOS), local timestamps).
      if (logical !== undefined) return `INT32 annotated ${logical.type}`;
      if (converted === 'UINT_8') return 'uint8';
      if (converted === 'UINT_16') return 'uint16';
      if (converted === 'UINT_32') return 'uint32';
      if (converted === 'INT_8') return 'int8';
      if (converted === 'INT_16') return 'int16';
      if (converted === undefined || converted === 'INT_32') return 'int32';
      return `INT32 annotated ${converted}`;
    }
    case 'INT64': {
      if (logical?.type === 'INTEGER') return logical.isSigned ? 'int64' : 'uint64';
      if (logical !== undefined) return `INT64 annotated ${logical.type}`;
      if (converted === 'UINT_64') return 'uint64';
      if (converted === undefined || converted === 'INT_64') return 'int64';
      return `INT64 annotated ${converted}`;
    }
    default:
      return `${type ?? 'group'}`;
  }
}

const KINDS = new Set<string>([
  'bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64',
]);

/**
 * Maps the leaf columns of a Parquet schema to ROOT-style names and decoding facts.
 *
 * @example
 * ```ts
 * const layout = parquetLayout(metadata);
 * layout.leaves.get('Muon_pt'); // { physical: 'FLOAT', kind: 'float32', maxRep: 1, … }
 * ```
 */
export function parquetLayout(metadata: FooterMetadata): ParquetLayout {
  const leaves = new Map<string, LeafColumn>();
  const unsupported = new Map<string, UnsupportedColumn>();
  const walk = (
    node: SchemaTree,
    parent: SchemaTree | undefined,
    parentIsListNode: boolean,
    names: string[],
    def: number,
    rep: number,
    elementDef: number,
  ): void => {
    const repetition = node.element.repetition_type;
    const d = def + (repetition === 'OPTIONAL' || repetition === 'REPEATED' ? 1 : 0);
    const r = rep + (repetition === 'REPEATED' ? 1 : 0);
    const e = repetition === 'REPEATED' && rep === 0 ? d : elementDef;
    const listNode = isRepeatedListNode(node, parent);
    const listItem = parentIsListNode && parent?.children.length === 1;
    const own = listNode || listItem ? names : [...names, node.element.name];
    if (node.children.length > 0) {
      for (const child of node.children) walk(child, node, listNode, own, d, r, e);
      return;
    }
    const name = own.join('_');
    const key = node.path.join('.');
    const kind = kindOf(node);
    if (r > 1) {
      unsupported.set(name, { name, reason: `it is nested ${r} lists deep (cortado reads flat and one-level list columns)` });
    } else if (!KINDS.has(kind)) {
      unsupported.set(name, { name, reason: `its type ${kind} has no typed-array form` });
    } else {
      leaves.set(name, leafColumn(name, key, node.element.type as PhysicalType, kind as ColumnKind, d, r, e));
    }
  };
  const root = parquetSchema(metadata);
  for (const child of root.children) walk(child, undefined, false, [], 0, 0, 0);
  return { leaves, unsupported };
}

/** The NanoAOD counter name of a jagged column: `nMuon` for `Muon_pt`; undefined without a `_`. */
export function counterNameOf(name: string): string | undefined {
  const cut = name.indexOf('_');
  return cut > 0 ? `n${name.slice(0, cut)}` : undefined;
}
