import { getNodeType } from '../nodes/index';
import type { PipelineDocument } from '../schema/pipeline';
import {
  interfacePorts,
  parsePipelineRef,
  type ChildPipeline,
  type PipelineLookup,
  type PipelineResolver,
} from './pipeline-ref';

/** How deep pipelines may call pipelines; past it the reference is a problem (a runaway chain, not a design). */
export const MAX_PIPELINE_DEPTH = 16;

type Entry = ChildPipeline | { error: string; chain?: string[] };
type Blocked = { error: string; chain: string[] };

/** What a run records about a reference: the version a label (or "latest") resolved to. */
export interface ResolvedRef {
  pipeline: string;
  version: number;
  label?: string;
}

/** A lookup built by resolvePipelines: every reference reachable from one document. */
export class ResolvedPipelines implements PipelineLookup {
  constructor(readonly entries: ReadonlyMap<string, Entry>) {}

  get(ref: string): Entry | undefined {
    return this.entries.get(ref);
  }

  /** `{ref: {pipeline, version, label?}}` of the references that resolved, for the run record. */
  record(): Record<string, ResolvedRef> {
    const out: Record<string, ResolvedRef> = {};
    for (const [ref, entry] of this.entries) {
      if ('error' in entry) continue;
      out[ref] = { pipeline: entry.name, version: entry.version, ...(entry.label ? { label: entry.label } : {}) };
    }
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The references of a document's nodes (a `pipeline` node's ref, a `map` node's body ref), in node order. */
export function pipelineRefs(doc: Pick<PipelineDocument, 'nodes'>): string[] {
  const refs: string[] = [];
  for (const node of doc.nodes ?? []) {
    const def = getNodeType(node.type);
    if (!def?.childRefs) continue;
    let found: string[] = [];
    try {
      found = def.childRefs((node.config ?? {}) as never);
    } catch {
      // a config that does not fit is reported by validation
    }
    for (const ref of found) if (typeof ref === 'string' && !refs.includes(ref)) refs.push(ref);
  }
  return refs;
}

/**
 * Resolves every reference a document makes, and those of the pipelines it
 * calls, once. A reference that does not resolve, points at a version with
 * problems or closes a cycle (by pipeline name, the document's own included)
 * becomes an error entry naming the chain; validation reports it on the node.
 */
export async function resolvePipelines(doc: Pick<PipelineDocument, 'name' | 'nodes'>, resolver: PipelineResolver | undefined): Promise<ResolvedPipelines> {
  const entries = new Map<string, Entry>();
  const chainText = (chain: string[]) => chain.join(' → ');

  /** A cycle or a chain past the depth limit below these refs: every reference on the way up is refused with it. */
  async function visit(refs: string[], chain: string[]): Promise<Blocked | undefined> {
    let blocked: Blocked | undefined;
    for (const ref of refs) {
      const parsed = parsePipelineRef(ref);
      if (!parsed) continue;
      if (chain.includes(parsed.name)) {
        const loop = [...chain, parsed.name];
        const error = `pipelines call each other in a cycle: ${chainText(loop)}`;
        entries.set(ref, { error, chain: loop });
        blocked ??= { error, chain: loop };
        continue;
      }
      const known = entries.get(ref);
      if (known) {
        if ('chain' in known && known.chain) blocked ??= { error: known.error, chain: known.chain };
        continue;
      }
      if (chain.length >= MAX_PIPELINE_DEPTH) {
        const deep = [...chain, parsed.name];
        const error = `pipelines nest deeper than ${MAX_PIPELINE_DEPTH} levels: ${chainText(deep)}`;
        entries.set(ref, { error, chain: deep });
        blocked ??= { error, chain: deep };
        continue;
      }
      if (!resolver) {
        entries.set(ref, { error: `"${ref}" cannot be resolved here: no pipeline store was given` });
        continue;
      }
      let answer: Awaited<ReturnType<PipelineResolver['resolve']>>;
      try {
        answer = await resolver.resolve(ref);
      } catch (err) {
        answer = { error: err instanceof Error ? err.message : String(err) };
      }
      if ('error' in answer) {
        entries.set(ref, { error: answer.error });
        continue;
      }
      if (answer.problems && answer.problems.length > 0) {
        entries.set(ref, { error: `"${ref}" resolves to version ${answer.version} of "${answer.name}", which has problems (${answer.problems[0].message})` });
        continue;
      }
      entries.set(ref, { ...answer, ref, ...interfacePorts(answer.document) });
      const below = await visit(pipelineRefs(answer.document), [...chain, answer.name]);
      if (below) {
        entries.set(ref, below);
        blocked ??= below;
      }
    }
    return blocked;
  }

  await visit(pipelineRefs(doc), [doc.name]);
  return new ResolvedPipelines(entries);
}
