import type { Problem } from '@patchbay/core';

const EMPTY: readonly Problem[] = Object.freeze([]);

/**
 * Validation problems per node, for the badges on the canvas. Only nodes whose
 * problems actually changed are told, so re-validating after an edit does not
 * re-render a thousand nodes.
 */
export class NodeProblemsStore {
  private byNode = new Map<string, readonly Problem[]>();
  private listeners = new Map<string, Set<() => void>>();

  get = (id: string): readonly Problem[] => this.byNode.get(id) ?? EMPTY;

  subscribe(id: string, listener: () => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  set(next: ReadonlyMap<string, readonly Problem[]>): void {
    const changed: string[] = [];
    for (const id of new Set([...this.byNode.keys(), ...next.keys()])) {
      if (key(this.byNode.get(id)) !== key(next.get(id))) changed.push(id);
    }
    this.byNode = new Map(next);
    for (const id of changed) this.listeners.get(id)?.forEach((l) => l());
  }
}

const key = (problems: readonly Problem[] | undefined) => (problems ?? EMPTY).map((p) => `${p.code}|${p.path}|${p.message}`).join('\n');
