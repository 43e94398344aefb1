import type { CallRecord } from './context';
import type { Usage } from './services';
import type { ResolvedRef } from '../compose/resolve-pipelines';

/** `reused`: not run; its outputs come from an earlier run (run from a node) or a pin (`pinned`). */
export type NodeStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'reused';
/** A run's (and an eval's) status: the one list the runner's routes, stores and the editor read. */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

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
  /** Why the node's last model call stopped, as its provider said (`stop`, `length`: cut off by the token limit, …). */
  finishReason?: string;
  calls?: CallRecord[];
  /** Time spent in a queue (for a sandbox worker, a database) before the work started; part of durationMs. */
  waitedMs?: number;
  /** Status `reused`: the run its outputs were recorded in. */
  reusedFrom?: string;
  /** Status `reused`: the outputs were pinned in the editor, not recorded by a run. */
  pinned?: boolean;
  /** A `pipeline` node: the child run, nested. */
  child?: ChildTrace;
  /** A `map` node: one entry per item, in input order. */
  items?: ItemTrace[];
}

/** A child pipeline's run under the node that called it. */
export interface ChildTrace {
  ref: string;
  pipeline: string;
  version: number;
  label?: string;
  status: RunResult['status'];
  error?: string;
  failedNode?: string;
  durationMs: number;
  nodes: Record<string, NodeTrace>;
}

/** One item of a `map` node. */
export interface ItemTrace {
  index: number;
  status: 'succeeded' | 'failed' | 'cancelled';
  durationMs: number;
  error?: string;
  tokens?: number;
  costUsd?: number | null;
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
  /** The version each pipeline reference resolved to when the run started (labels included). */
  resolved?: Record<string, ResolvedRef>;
}
