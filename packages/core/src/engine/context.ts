import type { Services, Usage } from './services';

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
}

/** What a node may report about itself for its trace. */
export interface NodeReport {
  model?: string;
  usage?: Usage | null;
  costUsd?: number | null;
  call?: CallRecord;
  /** What the node waits for before its work can start (a queue); null once it started. Recorded as `waitedMs`. */
  waiting?: string | null;
}

/** Streamed from a node while it runs. */
export type NodeEmission = { type: 'token'; text: string };

export interface NodeContext extends Services {
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
  emit(event: NodeEmission): void;
  /** Adds model, usage, cost or a call to this node's trace; usage and cost add up across calls. */
  report(report: NodeReport): void;
}
