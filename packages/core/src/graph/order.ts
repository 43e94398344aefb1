import { parseEdgeEnd } from '../schema/pipeline';

/** The part of a document ordering looks at; validation passes the nodes and edges that parsed. */
export interface GraphShape {
  nodes: readonly { id: string }[];
  edges: readonly { from: string; to: string }[];
}

/** Node index per id (first occurrence wins) and successor lists by index; edges to unknown nodes are ignored. */
function adjacency(doc: GraphShape): { index: Map<string, number>; next: number[][] } {
  const index = new Map<string, number>();
  doc.nodes.forEach((node, i) => {
    if (!index.has(node.id)) index.set(node.id, i);
  });
  const next: number[][] = doc.nodes.map(() => []);
  for (const edge of doc.edges) {
    const from = index.get(parseEdgeEnd(edge.from).node);
    const to = index.get(parseEdgeEnd(edge.to).node);
    if (from !== undefined && to !== undefined) next[from].push(to);
  }
  return { index, next };
}

/**
 * Node ids in an order where every node comes after the nodes feeding it.
 * Stable: among nodes that are ready at once, document order wins. Nodes on or
 * behind a cycle are left out (validation reports the cycle).
 */
export function topologicalOrder(doc: GraphShape): string[] {
  const { index, next } = adjacency(doc);
  const indegree = new Array<number>(doc.nodes.length).fill(0);
  for (const targets of next) for (const t of targets) indegree[t]++;
  const ready = new MinHeap();
  for (const i of index.values()) if (indegree[i] === 0) ready.push(i);
  const order: string[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(doc.nodes[i].id);
    for (const t of next[i]) if (--indegree[t] === 0) ready.push(t);
  }
  return order;
}

/**
 * Every cycle as the ids of the nodes on it (a strongly connected component of
 * more than one node, or a node wired to itself), each in document order.
 * Iterative Tarjan, so a long chain cannot overflow the stack.
 */
export function findCycles(doc: GraphShape): string[][] {
  const { index, next } = adjacency(doc);
  const n = doc.nodes.length;
  const low = new Array<number>(n).fill(-1);
  const seenAt = new Array<number>(n).fill(-1);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const cycles: number[][] = [];
  let counter = 0;

  for (const root of index.values()) {
    if (seenAt[root] !== -1) continue;
    const work: [node: number, edge: number][] = [[root, 0]];
    seenAt[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, e] = frame;
      if (e < next[v].length) {
        frame[1]++;
        const w = next[v][e];
        if (seenAt[w] === -1) {
          seenAt[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], seenAt[w]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] !== seenAt[v]) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next[v].includes(v)) cycles.push(component.sort((a, b) => a - b));
    }
  }
  return cycles.sort((a, b) => a[0] - b[0]).map((c) => c.map((i) => doc.nodes[i].id));
}

/** Binary min-heap of node indices: "document order among ready nodes" without an O(n²) scan. */
class MinHeap {
  private items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: number): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= a[i]) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
