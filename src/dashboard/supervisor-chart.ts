import { readFileSync } from 'node:fs';
import { supervisorMachine } from '../actors/supervisor.ts';
import type { Chart } from './records.ts';
import { layoutStatechart } from './statechart.ts';

/** The file the build writes next to this module: the supervisor's statechart, laid out. */
export const SUPERVISOR_CHART_FILE = 'supervisor-chart.json';

let chart: Chart | undefined;

/**
 * The supervisor's statechart, laid out, as every task record of the dashboard and of trace files
 * carries it. The machine is fixed, so the build lays it out once (`scripts/build.mjs` writes
 * {@link SUPERVISOR_CHART_FILE} beside the compiled module) and the package does not need dagre at
 * run time; a checkout running its sources lays it out here, with dagre from its dev dependencies.
 *
 * @example
 * ```ts
 * supervisorChart().nodes.map((n) => n.id); // ['pending', 'running', …]
 * ```
 */
export function supervisorChart(): Chart {
  chart ??= builtChart() ?? layoutStatechart(supervisorMachine);
  return chart;
}

function builtChart(): Chart | undefined {
  try {
    return JSON.parse(readFileSync(new URL(`./${SUPERVISOR_CHART_FILE}`, import.meta.url), 'utf8')) as Chart;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}
