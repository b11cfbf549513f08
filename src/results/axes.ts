import { lazySchema } from '../protocol/lazy-zod.ts';
import { HistError } from './errors.ts';
import { RegularAxis, type RegularAxisJSON } from './regular.ts';
import { VariableAxis, type VariableAxisJSON } from './variable.ts';
import { IntegerAxis, type IntegerAxisJSON } from './integer.ts';
import { CategoryAxis, type CategoryAxisJSON } from './category.ts';

/** Any histogram axis. */
export type Axis = RegularAxis | VariableAxis | IntegerAxis | CategoryAxis;
/** An axis that bins numbers. */
export type NumericAxis = RegularAxis | VariableAxis | IntegerAxis;
/** JSON form of any axis, told apart by `type`. */
export type AxisJSON = RegularAxisJSON | VariableAxisJSON | IntegerAxisJSON | CategoryAxisJSON;

/** Whether `axis` bins numbers (regular, variable or integer). */
export function isNumericAxis(axis: Axis): axis is NumericAxis {
  return axis.kind !== 'category';
}

/** zod schema of {@link AxisJSON}, built on first use. */
export const axisJSONSchema = lazySchema((z) => {
  const base = { name: z.string().min(1), label: z.string() };
  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('regular'), ...base, bins: z.number().int(), start: z.number(), stop: z.number() }),
    z.object({ type: z.literal('variable'), ...base, edges: z.array(z.number()) }),
    z.object({ type: z.literal('integer'), ...base, start: z.number().int(), stop: z.number().int() }),
    z.object({ type: z.literal('category'), ...base, categories: z.array(z.string()), growth: z.boolean() }),
  ]);
});

/** Rebuilds an axis from its JSON form, validating it (`E_HIST_FORMAT` when the shape is wrong). */
export function axisFromJSON(json: unknown): Axis {
  const parsed = axisJSONSchema().safeParse(json);
  if (!parsed.success) {
    throw new HistError('E_HIST_FORMAT', `Expected an axis JSON object ({ type: 'regular' | 'variable' | 'integer' | 'category', name, label, ... }), got ${JSON.stringify(json)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const a = parsed.data;
  const options = { name: a.name, label: a.label };
  switch (a.type) {
    case 'regular':
      return new RegularAxis(a.bins, a.start, a.stop, options);
    case 'variable':
      return new VariableAxis(a.edges, options);
    case 'integer':
      return new IntegerAxis(a.start, a.stop, options);
    case 'category':
      return new CategoryAxis(a.categories, { ...options, growth: a.growth });
  }
}
