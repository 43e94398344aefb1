import { interfacePorts, type ChildPipeline, type PipelineDocument, type PipelineLookup } from '@patchbay/core';

type Entry = ChildPipeline | { error: string };
type Resolve = (ref: string) => Promise<{ name: string; version: number; label?: string; document: PipelineDocument; problems?: { path: string; message: string }[] }>;

/**
 * The stored pipelines the open document's `pipeline` and `map` nodes call,
 * resolved through the API (`GET /api/pipeline-refs/:ref`) and kept for the
 * page: their ports are drawn and validated from it. One per page, because
 * ports are computed in pure functions that have no other way to reach it.
 */
export class ChildPipelines {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private resolver: Resolve | undefined;

  readonly lookup: PipelineLookup = { get: (ref) => this.entries.get(ref) };

  setResolver(resolve: Resolve): void {
    this.resolver = resolve;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(ref: string): ChildPipeline | undefined {
    const entry = this.entries.get(ref);
    return entry && !('error' in entry) ? entry : undefined;
  }

  /**
   * The stored pipeline a reference names, asked for now when it has not resolved yet: an action
   * (opening the child) must not depend on whether the background `ensure` has landed.
   */
  async find(ref: string): Promise<ChildPipeline> {
    const known = this.get(ref);
    if (known) return known;
    if (!this.resolver) throw new Error(`pipeline "${ref}" cannot be resolved here`);
    const found = await this.resolver(ref);
    const entry = { ...found, ref, ...interfacePorts(found.document) };
    this.settle(ref, entry);
    return entry;
  }

  /** Fetches references not seen yet; listeners hear once each one lands. `fresh` asks again (a label may have moved). */
  ensure(refs: readonly string[], fresh = false): void {
    const resolve = this.resolver;
    if (!resolve) return;
    for (const ref of refs) {
      if (this.entries.has(ref) && !fresh) continue;
      if (!this.entries.has(ref)) this.entries.set(ref, { error: `resolving "${ref}"…` });
      resolve(ref).then(
        (found) => this.settle(ref, { ...found, ref, ...interfacePorts(found.document) }),
        (err: Error) => this.settle(ref, { error: err.message }),
      );
    }
  }

  private settle(ref: string, entry: Entry): void {
    this.entries.set(ref, entry);
    this.listeners.forEach((l) => l());
  }
}

export const childPipelines = new ChildPipelines();
