import { parsePipelineRef, pipelineRefs, resolvePipelines, validatePipeline, type PipelineDocument, type PipelineResolver } from '@patchbay/core';
import { DomainError } from '../domain-errors';
import { storeResolver } from '../pipelines/pipeline-resolver';
import type { Store } from '../store/index';

/** A labelled version of a pipeline that runs now and would not after a label change. */
export interface BrokenCaller {
  pipeline: string;
  label: string;
  version: number;
  /** Why it would not run: its first problem (or a called version's). */
  problem: string;
}

/** A label moved (`version`) or removed (`version` null), or a whole pipeline deleted (every reference to it, labels and versions alike). */
export type LabelChange = { pipeline: string; label: string; version: number | null } | { pipeline: string; deleted: true };

/**
 * The first problem of `doc` and of every stored version it calls, at any depth, as resolved now: a version's
 * stored problems were judged when it was saved, so a label moved since (a child's inputs renamed) is not in them.
 */
async function firstProblem(doc: PipelineDocument, resolver: PipelineResolver, seen = new Set<string>()): Promise<string | undefined> {
  if (pipelineRefs(doc).length === 0) return undefined;
  const lookup = await resolvePipelines(doc, resolver);
  const own = validatePipeline(doc, { pipelines: lookup }).problems[0];
  if (own) return own.message;
  for (const entry of lookup.entries.values()) {
    if ('error' in entry) continue;
    const key = `${entry.name}@${entry.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const below = await firstProblem(entry.document, resolver, seen);
    if (below) return `${entry.ref}: ${below}`;
  }
  return undefined;
}

/**
 * Every labelled version that calls pipelines, at any depth, and runs now but would not once `change` is made:
 * a parent's `NAME@LABEL` reference is part of what its label deploys, so moving or removing that label can take
 * the parent's production down with no change of its own.
 */
export async function brokenCallers(store: Pick<Store, 'versions' | 'labels'>, change: LabelChange): Promise<BrokenCaller[]> {
  const labelsNow = {
    versionOf: async (pipeline: string, label: string) => (await store.labels.get(pipeline, label))?.version,
    list: async (pipeline: string) => Object.keys(await store.labels.list(pipeline)),
  };
  const now = storeResolver(store.versions, labelsNow);
  const deleted = 'deleted' in change;
  const changed = (pipeline: string, label: string) => pipeline === change.pipeline && ('deleted' in change || label === change.label);
  const version = 'deleted' in change ? null : change.version;
  const relabelled = storeResolver(store.versions, {
    versionOf: async (pipeline, label) => (changed(pipeline, label) ? (version ?? undefined) : labelsNow.versionOf(pipeline, label)),
    list: async (pipeline) => {
      const names = (await labelsNow.list(pipeline)).filter((label) => !changed(pipeline, label));
      return 'label' in change && pipeline === change.pipeline && version !== null ? [...names, change.label].sort() : names;
    },
  });
  const after: PipelineResolver = deleted
    ? { resolve: async (ref) => (parsePipelineRef(ref)?.name === change.pipeline ? { error: `there is no pipeline "${change.pipeline}"` } : relabelled.resolve(ref)) }
    : relabelled;
  const broken: BrokenCaller[] = [];
  for (const held of await store.labels.all()) {
    if (changed(held.pipeline, held.label)) continue; // the change's own label, or a deleted pipeline's
    const record = await store.versions.get(held.pipeline, held.version);
    if (!record) continue;
    const doc = record.document as PipelineDocument;
    if (pipelineRefs(doc).length === 0) continue;
    // Only what runs now counts: a caller broken already is no reason to hold a move back (the move may be its fix).
    if ((await firstProblem(doc, now)) !== undefined) continue;
    const problem = await firstProblem(doc, after);
    if (problem !== undefined) broken.push({ pipeline: held.pipeline, label: held.label, version: held.version, problem });
  }
  return broken;
}

/** Whether a label change checks its callers: `keep-running` refuses one that stops a caller, `force` makes it anyway. */
export type CallersCheck = 'keep-running' | 'force';

/**
 * The callers `change` stops; refused (409 `label-has-callers`) when `check` is `keep-running`, returned for a
 * forced change to record. `at`: the request field to name; `forceFlag`: how the caller forces it (the CLI's `--force`).
 */
export async function checkCallers(
  store: Pick<Store, 'versions' | 'labels'>,
  change: LabelChange,
  check: CallersCheck,
  words: { at?: string; forceFlag?: string } = {},
): Promise<BrokenCaller[]> {
  const callers = await brokenCallers(store, change);
  if (callers.length === 0 || check === 'force') return callers;
  const [first] = callers;
  const name = `${first.pipeline}@${first.label}`;
  const what =
    'deleted' in change
      ? `deleting "${change.pipeline}"`
      : change.version === null
        ? `removing ${change.label} of "${change.pipeline}"`
        : `moving ${change.label} of "${change.pipeline}" to v${change.version}`;
  const flag = words.forceFlag ?? ('deleted' in change || change.version === null ? '?force=true' : '"force": true');
  const others = callers.length > 1 ? ` (and ${callers.length - 1} more: callers lists them)` : '';
  const message =
    `${what} would stop ${name} (v${first.version}) from running${others}: ${first.problem}; ` +
    `move ${name} first (to a version that does not need it), or give ${flag}`;
  throw new DomainError('label-has-callers', message, { callers, ...(words.at ? { errors: [{ path: words.at, message }] } : {}) });
}
