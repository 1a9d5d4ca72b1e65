/** The dependency graph of a workflow's nodes: order, cycles, descendants. */

/** Node name -> the names it depends on. */
export type Graph = Record<string, readonly string[]>;

/**
 * A cycle in `graph` as a path that returns to its start (`['a', 'b', 'c', 'a']`
 * for a -> b -> c -> a, where x -> y means y depends on x), or undefined.
 */
export function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    path.push(n);
    for (const parent of graph[n] ?? []) {
      if (!Object.hasOwn(graph, parent)) continue;
      const s = state.get(parent);
      if (s === 1) {
        // path holds parent ... n, each depending on the one before it reversed: report in run order (upstream first).
        const loop = path.slice(path.indexOf(parent));
        return [...loop, parent].reverse();
      }
      if (s === undefined) {
        const found = visit(parent);
        if (found) return found;
      }
    }
    path.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of Object.keys(graph).sort()) {
    if (state.has(n)) continue;
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}

/** The nodes in an order where every node follows its parents (ties in declaration order). Assumes no cycle. */
export function topoOrder(graph: Graph): string[] {
  const names = Object.keys(graph);
  const done = new Set<string>();
  const out: string[] = [];
  while (out.length < names.length) {
    const before = out.length;
    for (const n of names) {
      if (done.has(n)) continue;
      if ((graph[n] ?? []).every((p) => done.has(p) || !Object.hasOwn(graph, p))) {
        done.add(n);
        out.push(n);
      }
    }
    if (out.length === before) throw new Error('topoOrder: the graph has a cycle');
  }
  return out;
}

/** Every node that depends on `node`, directly or not. */
export function descendantsOf(graph: Graph, node: string): Set<string> {
  const out = new Set<string>();
  let frontier = [node];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const [n, parents] of Object.entries(graph)) {
      if (!out.has(n) && parents.some((p) => frontier.includes(p))) {
        out.add(n);
        next.push(n);
      }
    }
    frontier = next;
  }
  out.delete(node);
  return out;
}
