import { parsePipelineRef, versionSpellingProblem, type PipelineDocument, type PipelineResolver, type ResolvedPipeline } from '@patchbay/core';
import type { Store, VersionStore } from '../store/index';

/** Which version a label points at; the label store answers it (undefined: the label is not set). */
export interface LabelLookup {
  versionOf(pipeline: string, label: string): Promise<number | undefined>;
  /** The labels a pipeline has, named when one is missing. */
  list?(pipeline: string): Promise<string[]>;
}

/**
 * References resolved against the runner's store: `NAME` is the latest
 * version, `NAME@vN` that version, `NAME@LABEL` what the label points at now
 * (runs resolve when they start and record the answer).
 */
export function storeResolver(versions: VersionStore, labels?: LabelLookup): PipelineResolver {
  return {
    async resolve(ref) {
      const parsed = parsePipelineRef(ref);
      if (!parsed) return { error: versionSpellingProblem(ref) ?? `"${ref}" is not a pipeline reference (NAME, NAME@vN or NAME@LABEL)` };
      const { name } = parsed;
      let number: number | undefined;
      if (parsed.kind === 'label') {
        if (!labels) return { error: `"${ref}" names a label, and this runner has no labels` };
        number = await labels.versionOf(name, parsed.label);
        if (number === undefined) {
          const known = (await labels.list?.(name)) ?? [];
          return { error: `pipeline "${name}" has no label "${parsed.label}"${known.length ? ` (labels: ${known.join(', ')})` : ''}` };
        }
      }
      const record = parsed.kind === 'latest' ? await versions.latest(name) : await versions.get(name, parsed.kind === 'version' ? parsed.version : number!);
      if (!record) {
        const latest = parsed.kind === 'latest' ? undefined : await versions.latest(name);
        if (!latest) return { error: `there is no pipeline "${name}"` };
        // A version as written: past 2^53 its number is another (v99999999999999999999 reads as 1e20).
        return { error: `pipeline "${name}" has no version ${parsed.kind === 'version' ? ref.slice(name.length + 2) : number} (latest is ${latest.number})` };
      }
      const resolved: ResolvedPipeline = {
        name,
        version: record.number,
        ...(parsed.kind === 'label' ? { label: parsed.label } : {}),
        document: record.document as PipelineDocument,
        problems: record.problems,
      };
      return resolved;
    },
  };
}

/** The resolver over a runner store: its versions and its labels. */
export function storeResolverOf(store: Pick<Store, 'versions' | 'labels'>): PipelineResolver {
  return storeResolver(store.versions, {
    versionOf: async (pipeline, label) => (await store.labels.get(pipeline, label))?.version,
    list: async (pipeline) => Object.keys(await store.labels.list(pipeline)),
  });
}
