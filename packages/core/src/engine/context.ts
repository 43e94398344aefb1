import type { Services, Usage } from './services';
import type { ChildPipeline, PipelineResolver } from '../compose/pipeline-ref';
import type { ChildTrace, ItemTrace, RunResult } from './trace';
import type { ItemSlots } from './item-slots';

/** One model call or tool call made inside a node (the agent makes many). */
export interface CallRecord {
  kind: 'model' | 'tool';
  name: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  durationMs: number;
  usage?: Usage | null;
  costUsd?: number | null;
  /** An agent's tool call whose result was longer than `maxToolResultChars`: how much of it the model was sent. */
  cut?: { totalChars: number; sentChars: number };
}

/** What a node may report about itself for its trace. */
export interface NodeReport {
  model?: string;
  usage?: Usage | null;
  costUsd?: number | null;
  /** Why the model call stopped (ChatResult.finishReason); the last call's is the node's. */
  finishReason?: string;
  call?: CallRecord;
  /** What the node waits for before its work can start (a queue); null once it started. Recorded as `waitedMs`. */
  waiting?: string | null;
  /** A `pipeline` node's child run, nested under it in the trace. */
  child?: ChildTrace;
  /** One item of a `map` node. */
  item?: ItemTrace;
}

/** What a child run adds up to: the spend of every node in it, nested runs included. */
export interface ChildRunResult extends RunResult {
  usage: Usage | null;
  costUsd: number | null;
}

/**
 * Stored pipelines as one run sees them, resolved when it started (labels
 * included, so a label moved mid-run does not change what this run calls).
 */
export interface PipelineCalls extends PipelineResolver {
  /** The resolved child of a reference, or undefined when it did not resolve. */
  get(ref: string): ChildPipeline | undefined;
  /**
   * Runs the child with `{name: value}` inputs; failures are in the result (status `failed`), bad inputs throw.
   * `itemSlots`: the child runs inside a map item holding one of these (its maps borrow them).
   */
  run(ref: string, inputs: Record<string, unknown>, options: { signal: AbortSignal; itemSlots?: ItemSlots }): Promise<ChildRunResult>;
}

/** Streamed from a node while it runs. */
export type NodeEmission = { type: 'token'; text: string; step?: number };

export interface NodeContext extends Omit<Services, 'pipelines'> {
  runId: string;
  nodeId: string;
  /** The pipeline's inputs by name (read by `input` nodes). */
  pipelineInputs: Record<string, unknown>;
  signal: AbortSignal;
  /**
   * Epoch ms at which this attempt's `timeoutMs` runs out (none without one). Work that holds
   * the thread (the code sandbox) must stop by itself by then: no timer can fire while it runs.
   */
  deadline?: number;
  /** Calls into stored pipelines (`pipeline` and `map` nodes). */
  pipelines: PipelineCalls;
  /** This run is inside a map item holding one of these slots: a `map` here borrows them rather than adding its own. */
  itemSlots?: ItemSlots;
  emit(event: NodeEmission): void;
  /** Adds model, usage, cost or a call to this node's trace; usage and cost add up across calls. */
  report(report: NodeReport): void;
}
