import type { ColumnKind } from '../source.ts';
import { ROLE, type AliasColumn, type ColumnDescriptor, type FieldDescriptor } from './schema-frames.ts';

/** How one readable field becomes a cortado column. */
export interface FieldPlan {
  readonly name: string;
  readonly kind: ColumnKind;
  /**
   * `flat`: one value per entry; `jagged`: a collection of numbers (`std::vector<float>`,
   * NanoAOD's `Muon_pt`); `fixed`: `std::array<T, N>` (jagged with offsets `i·N`);
   * `cardinality`: the size of a collection per entry (NanoAOD's `nMuon`).
   */
  readonly shape: 'flat' | 'jagged' | 'fixed' | 'cardinality';
  /** The value columns, one per representation (absent for `cardinality`). */
  readonly values?: readonly ColumnDescriptor[];
  /** The collection's index (offset) columns, one per representation (`jagged`, `cardinality`). */
  readonly index?: readonly ColumnDescriptor[];
  /** Items per entry of a `fixed` field. */
  readonly fixed?: number;
  /** For a jagged field projected from a collection that also has a cardinality field: its name. */
  readonly counter?: string;
}

/** The schema as cortado reads it: plans of readable fields, and why the others are not. */
export interface FieldMap {
  readonly plans: Map<string, FieldPlan>;
  /** Top-level fields cortado does not read, with their type: named in `E_IO_UNSUPPORTED`. */
  readonly unsupported: Map<string, string>;
}

const KINDS: Record<string, ColumnKind> = {
  bool: 'bool', char: 'int8', 'std::byte': 'uint8',
  'std::int8_t': 'int8', 'std::uint8_t': 'uint8', 'std::int16_t': 'int16', 'std::uint16_t': 'uint16',
  'std::int32_t': 'int32', 'std::uint32_t': 'uint32', 'std::int64_t': 'int64', 'std::uint64_t': 'uint64',
  float: 'float32', double: 'float64', Double32_t: 'float64',
};

const CARDINALITY = /^ROOT::(?:Experimental::)?RNTupleCardinality<std::uint(32|64)_t>$/;

function describe(field: FieldDescriptor): string {
  if (field.typeName) return field.typeName;
  if (field.role === ROLE.collection) return 'an untyped collection (a collection of records)';
  if (field.role === ROLE.record) return 'an untyped record';
  return 'an untyped field';
}

/**
 * Maps the schema's top-level fields onto cortado columns: numeric leaves (flat), collections
 * of numbers, directly or projected (jagged), `std::array` of numbers (fixed) and collection
 * cardinalities. Projected fields (ROOT's importer writes NanoAOD's `Muon_pt` as a projection
 * of the untyped collection `_collection<N>`) read their source field's columns.
 */
export function mapFields(fields: readonly FieldDescriptor[], columns: readonly ColumnDescriptor[], aliases: readonly AliasColumn[]): FieldMap {
  const children = new Map<number, FieldDescriptor[]>();
  for (const f of fields) {
    if (f.parentId === f.id) continue;
    const list = children.get(f.parentId);
    if (list) list.push(f); else children.set(f.parentId, [f]);
  }
  const byField = new Map<number, ColumnDescriptor[]>();
  for (const c of columns) {
    const list = byField.get(c.fieldId);
    if (list) list.push(c); else byField.set(c.fieldId, [c]);
  }
  for (const a of aliases) {
    const physical = columns[a.physicalId];
    if (!physical || byField.has(a.fieldId)) continue;
    byField.set(a.fieldId, [physical]);
  }
  // The columns of a field, one per representation: its own, or its source's when projected.
  const columnsOf = (field: FieldDescriptor): ColumnDescriptor[] => {
    let f: FieldDescriptor | undefined = field;
    for (let hops = 0; f && hops < 8; hops++) {
      const own = byField.get(f.id);
      if (own?.length) return own;
      f = f.sourceId === undefined ? undefined : fields[f.sourceId];
    }
    return [];
  };
  // One column per representation (leaf and collection fields have exactly one each).
  const single = (list: ColumnDescriptor[]): ColumnDescriptor[] | undefined => {
    const reps = new Set(list.map((c) => c.representationIndex));
    return list.length > 0 && reps.size === list.length ? list : undefined;
  };
  const cardinalityOf = new Map<number, string>();
  for (const f of fields) {
    if (f.parentId === f.id && f.sourceId !== undefined && CARDINALITY.test(f.typeName)) cardinalityOf.set(f.sourceId, f.name);
  }

  const plans = new Map<string, FieldPlan>();
  const unsupported = new Map<string, string>();
  for (const field of fields) {
    if (field.parentId !== field.id) continue;
    const kind = KINDS[field.typeName];
    const kids = children.get(field.id) ?? [];
    const cardinality = CARDINALITY.exec(field.typeName);
    if (cardinality && field.sourceId !== undefined) {
      const index = single(columnsOf(fields[field.sourceId]!));
      if (index) {
        plans.set(field.name, { name: field.name, kind: cardinality[1] === '32' ? 'uint32' : 'uint64', shape: 'cardinality', index });
        continue;
      }
    } else if (field.role === ROLE.leaf && kind && field.arraySize === undefined && kids.length === 0) {
      const values = single(columnsOf(field));
      if (values) {
        plans.set(field.name, { name: field.name, kind, shape: 'flat', values });
        continue;
      }
    } else if (field.role === ROLE.leaf && field.arraySize !== undefined && kids.length === 1) {
      const item = kids[0]!;
      const itemKind = KINDS[item.typeName];
      const values = single(columnsOf(item));
      if (itemKind && values && (children.get(item.id) ?? []).length === 0 && item.arraySize === undefined) {
        plans.set(field.name, { name: field.name, kind: itemKind, shape: 'fixed', values, fixed: field.arraySize });
        continue;
      }
    } else if (field.role === ROLE.collection && kids.length === 1) {
      const item = kids[0]!;
      const itemKind = KINDS[item.typeName];
      const index = single(columnsOf(field));
      const values = single(columnsOf(item));
      if (itemKind && index && values && item.role === ROLE.leaf && (children.get(item.id) ?? []).length === 0 && item.arraySize === undefined) {
        const counter = field.sourceId === undefined ? undefined : cardinalityOf.get(field.sourceId);
        plans.set(field.name, { name: field.name, kind: itemKind, shape: 'jagged', index, values, ...(counter ? { counter } : {}) });
        continue;
      }
    }
    unsupported.set(field.name, describe(field));
  }
  return { plans, unsupported };
}
