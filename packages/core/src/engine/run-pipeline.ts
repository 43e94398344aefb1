import { nodeTypes as catalogue } from '../nodes/index';
import type { NodeDefinition } from '../nodes/types';
import type { PipelineDocument } from '../schema/pipeline';
import { findCycles } from '../graph/order';
import { parseDocument, validatePipeline, type Problem } from '../graph/validate';
import type { RunEvent } from './events';
import { missingServices, type Services } from './services';
import type { RunResult } from './trace';
import { compilePlan, type ExecutionPlan } from './execution-plan';
import { checkInputs, pipelineInputs } from './inputs';
import { PipelineInvalidError } from './pipeline-invalid-error';
import { RunScheduler, type ReusedNode } from './run-scheduler';
import { ChildRuns } from './child-runs';
import { newRunId } from './run-id';
import { pipelineRefs, resolvePipelines, ResolvedPipelines } from '../compose/resolve-pipelines';
import type { PipelineLookup } from '../compose/pipeline-ref';

export { PipelineInvalidError, cannotMessage, firstProblem } from './pipeline-invalid-error';
export { NodeTimeoutError } from './attempt-timeout';
export { retryBackoffMs, type ReusedNode } from './run-scheduler';
export { runSpend } from './child-runs';

// Stateless, so one set serves every run.
const refusing = missingServices();

export interface RunOptions {
  /** Services the nodes reach through their context; any left out refuse with a clear message. */
  services?: Partial<Services>;
  /** Aborting it cancels the run: running nodes see their `ctx.signal` abort, the result is `cancelled`. */
  signal?: AbortSignal;
  /** At most this many nodes run at once (default: no bound). */
  concurrency?: number;
  /** A node whose outputs' JSON is bigger fails (the workspace's `limits.maxOutputBytes`); default: no bound. Depth is always bounded (MAX_JSON_DEPTH). */
  maxOutputBytes?: number;
  runId?: string;
  onEvent?: (event: RunEvent) => void;
  /**
   * False when no one will read this run's `node.token` events (a served answer
   * returned whole): model replies are then fetched whole, not streamed, and no
   * token events are emitted; every other event still is. Default true when
   * `onEvent` is given.
   */
  tokens?: boolean;
  /** Node types by name; defaults to the catalogue. */
  nodeTypes?: Readonly<Record<string, NodeDefinition>>;
  /**
   * For callers that validated the document already (the runner does at save
   * time): skips document validation. Inputs are still checked, and what would
   * make running impossible (unknown type, bad config) still throws.
   */
  skipValidation?: boolean;
  /**
   * Nodes not to run, by id, with the outputs they stand for (run from a node:
   * outputs recorded by an earlier run; the editor's pins). They appear in the
   * trace as `reused`; nodes needed only by them do not run.
   */
  reuse?: Readonly<Record<string, ReusedNode>>;
}

/**
 * References resolved when a run starts (so a label is read then), from the
 * run's pipeline store (`services.pipelines`); undefined for a document that
 * calls no stored pipeline.
 */
async function lookupFor(document: PipelineDocument, services: Partial<Services> | undefined): Promise<ResolvedPipelines | undefined> {
  if (pipelineRefs(document).length === 0) return undefined;
  return resolvePipelines(document, services?.pipelines);
}

/** A reference that does not resolve (or closes a cycle) stops the run before anything runs. */
function refProblems(document: PipelineDocument, lookup: ResolvedPipelines): void {
  const problems = validatePipeline(document, { pipelines: lookup }).problems.filter((p) => p.code === 'unresolved-pipeline');
  if (problems.length > 0) throw new PipelineInvalidError(problems);
}

/**
 * Runs a pipeline document with `{name: value}` inputs. Throws
 * PipelineInvalidError (nothing ran) when the document or the inputs have
 * problems; any failure while running is reported in the result instead.
 */
export async function runPipeline(
  document: PipelineDocument,
  inputs: Record<string, unknown>,
  options: RunOptions = {},
): Promise<RunResult> {
  const types = options.nodeTypes ?? catalogue;
  checkConcurrency(options.concurrency);
  const given = inputs ?? {};
  const lookup = await lookupFor(document, options.services);
  if (lookup && options.skipValidation) refProblems(document, lookup);
  const doc = options.skipValidation ? document : validated(document, types, lookup);
  const inputProblems = checkInputs(doc, given);
  if (inputProblems.length > 0) throw new PipelineInvalidError(inputProblems);
  return start(compilePlan(doc, types, lookup), given, options, types, lookup);
}

/** A document checked and compiled once, to run many times (an eval's cases). */
export interface PreparedPipeline {
  readonly document: PipelineDocument;
  /** As runPipeline: throws PipelineInvalidError for bad inputs; failures while running are in the result. */
  run(inputs: Record<string, unknown>, options?: Omit<RunOptions, 'nodeTypes' | 'skipValidation'>): Promise<RunResult>;
}

/**
 * Validates (unless `skipValidation`) and compiles a document once; each
 * `run` then costs only the run. Throws PipelineInvalidError at once for a
 * document that cannot run. The document must not change afterwards: the
 * compiled plan is what runs.
 */
export function preparePipeline(document: PipelineDocument, options: Pick<RunOptions, 'nodeTypes' | 'skipValidation'> = {}): PreparedPipeline {
  const types = options.nodeTypes ?? catalogue;
  const composed = pipelineRefs(document).length > 0;
  // A document that calls stored pipelines is judged per run, once its references resolve.
  const doc = options.skipValidation || composed ? document : validated(document, types);
  const plan = composed ? undefined : compilePlan(doc, types);
  const declared = pipelineInputs(doc);
  const plans = new Map<string, ExecutionPlan>();
  return {
    document: doc,
    async run(inputs, runOptions = {}) {
      checkConcurrency(runOptions.concurrency);
      const given = inputs ?? {};
      const inputProblems = checkInputs(doc, given, { declared });
      if (inputProblems.length > 0) throw new PipelineInvalidError(inputProblems);
      if (plan) return start(plan, given, runOptions, types, undefined);
      const lookup = (await lookupFor(doc, runOptions.services))!;
      // Ports of a pipeline node follow the version it resolved to: one plan per set of resolved versions.
      const key = JSON.stringify(lookup.record());
      let resolvedPlan = plans.get(key);
      if (!resolvedPlan) {
        if (options.skipValidation) refProblems(doc, lookup);
        else validated(doc, types, lookup);
        resolvedPlan = compilePlan(doc, types, lookup);
        if (plans.size >= 16) plans.clear();
        plans.set(key, resolvedPlan);
      }
      return start(resolvedPlan, given, runOptions, types, lookup);
    },
  };
}

function checkConcurrency(concurrency: number | undefined): void {
  if (concurrency === undefined) return;
  if (!(concurrency >= 1) || (concurrency !== Infinity && !Number.isInteger(concurrency))) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
}

function start(
  plan: ExecutionPlan,
  inputs: Record<string, unknown>,
  options: RunOptions,
  types: Readonly<Record<string, NodeDefinition>>,
  lookup: PipelineLookup | undefined,
): Promise<RunResult> {
  const services: Services = { ...refusing, ...stripUndefined(options.services) };
  const runId = options.runId ?? newRunId();
  const concurrency = options.concurrency ?? Infinity;
  const pipelines = lookup ? new ChildRuns(lookup, services, types, runId) : undefined;
  const run = new RunScheduler(plan, inputs, { runId, services, signal: options.signal, concurrency, onEvent: options.onEvent, tokens: options.tokens, pipelines, reuse: options.reuse, maxOutputBytes: options.maxOutputBytes }).run();
  if (!(lookup instanceof ResolvedPipelines)) return run;
  const resolved = lookup.record();
  return run.then((result) => ({ ...result, resolved }));
}

/**
 * Full validation when every node type is the catalogue's own (what the
 * validator knows); with node types of the caller's, the structure, types,
 * configs and cycles are checked instead.
 */
function validated(document: PipelineDocument, types: Readonly<Record<string, NodeDefinition>>, lookup?: PipelineLookup): PipelineDocument {
  const ownTypes = types === catalogue || (Array.isArray(document?.nodes) && document.nodes.every((n) => types[n?.type] === catalogue[n?.type]));
  if (ownTypes) {
    const report = validatePipeline(document, { pipelines: lookup });
    if (!report.valid || !report.document) throw new PipelineInvalidError(report.problems);
    return report.document;
  }
  const parsed = parseDocument(document);
  if (!parsed.ok) throw new PipelineInvalidError(parsed.problems);
  compilePlan(parsed.document, types, lookup);
  const cycles: Problem[] = findCycles(parsed.document).map((ids) => ({
    path: '$.edges',
    code: 'cycle',
    message: `nodes ${ids.map((id) => `"${id}"`).join(' → ')} form a cycle`,
    nodes: ids,
  }));
  if (cycles.length > 0) throw new PipelineInvalidError(cycles);
  return parsed.document;
}

function stripUndefined(services: Partial<Services> | undefined): Partial<Services> {
  const out: Partial<Services> = {};
  if (!services) return out;
  for (const key of ['models', 'retrieval', 'tools', 'sandbox', 'pipelines'] as const) {
    if (services[key]) (out as Record<string, unknown>)[key] = services[key];
  }
  return out;
}
