import type { CallRecord } from './context';
import type { Usage } from './services';

export type NodeStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** What a run records about one node. */
export interface NodeTrace {
  id: string;
  type: string;
  status: NodeStatus;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** Epoch milliseconds of the first attempt. */
  startedAt?: number;
  durationMs?: number;
  attempts: number;
  error?: string;
  model?: string;
  usage?: Usage | null;
  costUsd?: number | null;
  calls?: CallRecord[];
  /** Time spent in a queue (for a sandbox worker, a database) before the work started; part of durationMs. */
  waitedMs?: number;
}

export interface RunResult {
  runId: string;
  status: Exclude<RunStatus, 'running' | 'interrupted'>;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  error?: string;
  /** The node whose failure failed the run. */
  failedNode?: string;
  startedAt: number;
  durationMs: number;
  nodes: Record<string, NodeTrace>;
}
