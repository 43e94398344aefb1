import { describe, expect, it } from 'vitest';
import { findCycles, topologicalOrder } from '../src/graph/order';

const graph = (ids: string[], edges: [string, string][]) => ({
  nodes: ids.map((id) => ({ id })),
  edges: edges.map(([from, to]) => ({ from: `${from}.out`, to: `${to}.in` })),
});

describe('topologicalOrder', () => {
  it('puts every node after the nodes feeding it, whatever the document order', () => {
    const order = topologicalOrder(graph(['out', 'mid', 'in'], [['in', 'mid'], ['mid', 'out']]));
    expect(order).toEqual(['in', 'mid', 'out']);
  });

  it('is stable: among ready nodes, document order wins', () => {
    // c and a are ready at once; b and d become ready together after them
    const g = graph(['c', 'd', 'a', 'b'], [['c', 'b'], ['a', 'd'], ['a', 'b']]);
    expect(topologicalOrder(g)).toEqual(['c', 'a', 'd', 'b']);
  });

  it('handles a long chain given backwards without deep recursion', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `n${i}`);
    const edges = ids.slice(1).map((id, i): [string, string] => [ids[i], id]);
    const order = topologicalOrder(graph([...ids].reverse(), edges));
    expect(order).toEqual(ids);
    expect(findCycles(graph(ids, edges))).toEqual([]);
  });

  it('leaves out nodes on or behind a cycle and ignores edges to unknown nodes', () => {
    const g = graph(['a', 'b', 'c', 'd'], [['a', 'b'], ['b', 'c'], ['c', 'b'], ['c', 'd'], ['ghost', 'a']]);
    expect(topologicalOrder(g)).toEqual(['a']);
  });
});

describe('findCycles', () => {
  it('names every node of each cycle, in document order', () => {
    const g = graph(['x', 'a', 'b', 'c', 'y', 'z'], [['x', 'a'], ['a', 'b'], ['b', 'c'], ['c', 'a'], ['y', 'z'], ['z', 'y']]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c'], ['y', 'z']]);
  });

  it('finds a node wired to itself', () => {
    expect(findCycles(graph(['a', 'b'], [['a', 'b'], ['b', 'b']]))).toEqual([['b']]);
  });
});
