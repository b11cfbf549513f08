import { describe, expect, it } from 'vitest';
import { supervisorMachine } from '../src/actors/supervisor.ts';
import { layoutStatechart } from '../src/dashboard/statechart.ts';
import { supervisorChart } from '../src/dashboard/supervisor-chart.ts';

// The package ships this chart laid out by the build (dagre is a dev dependency); the consumer test
// (.ci/consumer-test.sh) checks a trace written by the installed package, without dagre, carries it.
describe('the supervisor statechart of dashboard and trace records', () => {
  it('is the supervisor machine laid out: every state a node, every transition an edge between nodes', () => {
    const chart = supervisorChart();
    expect(chart).toEqual(layoutStatechart(supervisorMachine));
    expect(chart.id).toBe('supervisor');
    expect(chart.initial).toBe('pending');
    expect(chart.nodes.map((n) => n.id)).toEqual(Object.keys(supervisorMachine.root.states));
    const ids = new Set(chart.nodes.map((n) => n.id));
    expect(chart.edges.length).toBeGreaterThan(ids.size - 1);
    for (const edge of chart.edges) {
      expect(ids.has(edge.from) && ids.has(edge.to), `${edge.from} → ${edge.to}`).toBe(true);
      expect(edge.points.length).toBeGreaterThanOrEqual(2);
    }
    for (const node of chart.nodes) {
      expect(node.x - node.w / 2).toBeGreaterThanOrEqual(0);
      expect(node.x + node.w / 2).toBeLessThanOrEqual(chart.width);
    }
  });

  it('is laid out once per process', () => {
    expect(supervisorChart()).toBe(supervisorChart());
  });
});
