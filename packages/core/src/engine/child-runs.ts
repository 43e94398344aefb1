import type { PipelineDocument } from '../schema/pipeline';
import type { NodeDefinition } from '../nodes/types';
import type { ChildPipeline, PipelineLookup } from '../compose/pipeline-ref';
import { childOf } from '../compose/pipeline-ref';
import type { ChildRunResult, PipelineCalls } from './context';
import type { ItemSlots } from './item-slots';
import type { Services, Usage } from './services';
import type { NodeTrace, RunResult } from './trace';
import { compilePlan, type ExecutionPlan } from './execution-plan';
import { checkInputs, pipelineInputs, type PipelineInput } from './inputs';
import { PipelineInvalidError } from './pipeline-invalid-error';
import { RunScheduler } from './run-scheduler';
import { tokenlessModels } from './tokenless-models';

/** What a run's nodes spent, nested child runs included (their spend is reported on the calling node). */
export function runSpend(nodes: Record<string, NodeTrace>): { usage: Usage | null; costUsd: number | null } {
  let usage: Usage | null = null;
  let costUsd: number | null = null;
  let unknownCost = false;
  for (const id in nodes) {
    const trace = nodes[id];
    if (trace.status === 'reused') continue; // recorded elsewhere; it cost nothing here
    if (trace.usage) {
      usage ??= { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      usage.promptTokens += trace.usage.promptTokens;
      usage.completionTokens += trace.usage.completionTokens;
      usage.totalTokens += trace.usage.totalTokens;
    }
    if (trace.costUsd === null && trace.usage) unknownCost = true;
    else if (typeof trace.costUsd === 'number') costUsd = (costUsd ?? 0) + trace.costUsd;
  }
  return { usage, costUsd: unknownCost ? null : costUsd };
}

interface Compiled {
  plan: ExecutionPlan;
  declared: PipelineInput[];
}

/** Refuses: the run was started without a pipeline store. */
export const noPipelineCalls: PipelineCalls = {
  resolve: async (ref) => ({ error: `"${ref}" cannot be resolved: no pipeline store is configured for this run` }),
  get: () => undefined,
  run: (ref) => Promise.reject(new Error(`pipeline "${ref}" cannot be called: no pipeline store is configured for this run`)),
};

/**
 * Runs resolved child pipelines inside a parent run: same services, same
 * lookup (so grandchildren resolve as the parent's run started), each child
 * document compiled once per run and reused by every call (a `map` of 10,000 items).
 */
export class ChildRuns implements PipelineCalls {
  private readonly compiled = new Map<PipelineDocument, Compiled>();
  private calls = 0;
  /** Child runs stream no tokens (nobody hears their events): wrapped once, not per child run. */
  private readonly services: Services;

  constructor(
    private readonly lookup: PipelineLookup,
    services: Services,
    private readonly nodeTypes: Readonly<Record<string, NodeDefinition>>,
    private readonly parentRunId: string,
  ) {
    this.services = { ...services, models: tokenlessModels(services.models) };
  }

  resolve(ref: string) {
    return this.services.pipelines.resolve(ref);
  }

  get(ref: string): ChildPipeline | undefined {
    return childOf(this.lookup, ref);
  }

  async run(ref: string, inputs: Record<string, unknown>, options: { signal: AbortSignal; itemSlots?: ItemSlots }): Promise<ChildRunResult> {
    const child = this.get(ref);
    if (!child) throw new Error(`pipeline "${ref}" is not resolved for this run`);
    const { plan, declared } = this.compile(child.document);
    const problems = checkInputs(child.document, inputs, { declared });
    if (problems.length > 0) throw new PipelineInvalidError(problems);
    const result: RunResult = await new RunScheduler(plan, inputs, {
      runId: `${this.parentRunId}/${ref}#${++this.calls}`,
      services: this.services,
      signal: options.signal,
      concurrency: Infinity,
      pipelines: this,
      itemSlots: options.itemSlots,
    }).run();
    return { ...result, ...runSpend(result.nodes) };
  }

  private compile(document: PipelineDocument): Compiled {
    let compiled = this.compiled.get(document);
    if (!compiled) {
      compiled = { plan: compilePlan(document, this.nodeTypes, this.lookup), declared: pipelineInputs(document) };
      this.compiled.set(document, compiled);
    }
    return compiled;
  }
}
