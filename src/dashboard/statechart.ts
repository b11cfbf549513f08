import { createRequire } from 'node:module';
import type { AnyStateMachine } from 'xstate';
import type { Chart, ChartEdge, ChartNode } from './records.ts';

interface TransitionLike {
  readonly target?: ReadonlyArray<{ readonly key: string }> | undefined;
  readonly guard?: unknown;
  readonly eventType: string;
}

interface StateNodeLike {
  readonly key: string;
  readonly type: string;
  readonly transitions: Map<string, TransitionLike[]>;
  readonly always?: TransitionLike[] | undefined;
}

function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type;
  return typeof guard === 'function' ? 'guard' : '';
}

/**
 * A machine's top-level states and transitions, read from its definition (not from a run) and laid
 * out left to right with dagre (a development dependency: loaded here, on call). Self-transitions (events handled without leaving the state) are
 * listed on the node rather than drawn, which keeps the chart readable.
 *
 * @example
 * ```ts
 * const chart = layoutStatechart(supervisorMachine); // chart.nodes: pending, running, …
 * ```
 */
export function layoutStatechart(machine: AnyStateMachine): Chart {
  // dagre is a development dependency: the package ships the supervisor's chart laid out by the
  // build (see supervisor-chart.ts), so this loads it only where it is installed.
  const dagre = createRequire(import.meta.url)('@dagrejs/dagre') as typeof import('@dagrejs/dagre');
  const root = machine.root;
  const states = Object.values(root.states) as unknown as StateNodeLike[];
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 46, edgesep: 10, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const state of states) graph.setNode(state.key, { width: Math.max(70, state.key.length * 8 + 24), height: 30 });
  const labels: Array<{ from: string; to: string; label: string; name: string }> = [];
  for (const state of states) {
    const add = (t: TransitionLike, label: string) => {
      for (const target of t.target ?? []) {
        if (target.key === state.key) continue;
        const name = `e${labels.length}`;
        labels.push({ from: state.key, to: target.key, label, name });
        graph.setEdge(state.key, target.key, { width: label.length * 6, height: 12, labelpos: 'c' }, name);
      }
    };
    for (const [event, transitions] of state.transitions) for (const t of transitions) add(t, guardName(t.guard) ? `${event} [${guardName(t.guard)}]` : event);
    for (const t of state.always ?? []) add(t, guardName(t.guard) ? `[${guardName(t.guard)}]` : 'always');
  }
  dagre.layout(graph);
  const nodes: ChartNode[] = states.map((state) => {
    const n = graph.node(state.key) as { x: number; y: number; width: number; height: number };
    return { id: state.key, final: state.type === 'final', x: n.x, y: n.y, w: n.width, h: n.height };
  });
  const edges: ChartEdge[] = labels.map(({ from, to, label, name }) => {
    const e = graph.edge(from, to, name) as { points: Array<{ x: number; y: number }> };
    return { from, to, label, points: e.points.map((p) => [Math.round(p.x), Math.round(p.y)] as const) };
  });
  const { width = 0, height = 0 } = graph.graph() as { width?: number; height?: number };
  const initial = typeof root.config.initial === 'string' ? root.config.initial : (states[0]?.key ?? '');
  return { id: root.id, initial, width: Math.ceil(width), height: Math.ceil(height), nodes, edges };
}
