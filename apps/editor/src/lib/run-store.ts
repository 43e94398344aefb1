import type { NodeStatus, NodeTrace, RunEvent, RunStatus } from '@patchbay/core';
import type { RunRecord } from './api';
import { cutOf, wholeValue } from './cut-values';

export interface NodeRunState {
  status: NodeStatus;
  /** Text streamed so far (llm, agent): an agent's current step only, as its `text` output will be its last step's. */
  text: string;
  /** The agent step `text` belongs to (1-based); none for an llm. */
  step?: number;
  trace?: NodeTrace;
  error?: string;
}

export type RunPhase = 'idle' | RunStatus;

export interface RunView {
  runId?: string;
  phase: RunPhase;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: string;
  failedNode?: string;
  durationMs?: number;
}

type Schedule = (flush: () => void) => void;

/** Paint-rate batching: a burst of tokens costs one render per frame, so the page never freezes during a run. */
const nextFrame: Schedule = (flush) => {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState !== 'hidden') requestAnimationFrame(flush);
  else setTimeout(flush, 16);
};

/**
 * The state of the run shown on the canvas, fed by streamed events or by a
 * stored run. Each node subscribes to its own entry (useSyncExternalStore), so
 * a token for one node re-renders that node and nothing else.
 */
export class RunStore {
  private view: RunView = { phase: 'idle' };
  private nodes = new Map<string, NodeRunState>();
  private nodeListeners = new Map<string, Set<() => void>>();
  private listeners = new Set<() => void>();
  private dirty = new Set<string>();
  private runDirty = false;
  private scheduled = false;

  /** Where a value the runner cut is read whole (see cut-values.ts); none: values stay as they are. */
  private fetchValue?: (runId: string, hash: string) => Promise<unknown>;

  constructor(private readonly schedule: Schedule = nextFrame) {}

  setValueSource(fetchValue: (runId: string, hash: string) => Promise<unknown>): void {
    this.fetchValue = fetchValue;
  }

  /** `value` (the inputs of the run `runId`, by default the shown run's; a node's outputs) with each cut value fetched whole. */
  whole<T>(value: T, runId = this.view.runId): Promise<T> {
    const fetchValue = this.fetchValue;
    if (!runId || !fetchValue) return Promise.resolve(value);
    return wholeValue(value, (hash) => fetchValue(runId, hash));
  }

  getRun = (): RunView => this.view;
  getNode = (id: string): NodeRunState | undefined => this.nodes.get(id);

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  subscribeNode(id: string, listener: () => void): () => void {
    let set = this.nodeListeners.get(id);
    if (!set) this.nodeListeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Forgets the shown run (a new run starts, or the canvas shows another document). */
  reset(): void {
    for (const id of this.nodes.keys()) this.dirty.add(id);
    this.nodes.clear();
    this.setView({ phase: 'idle' });
  }

  apply(event: RunEvent): void {
    // Two streams can feed the store: a run opened while it ran is still followed after a Cancel that could
    // not reach the runner, and Run starts another. The old run's events would mark the new run's nodes
    // running, or end it with the old run's outputs.
    if (event.type !== 'run.started' && this.view.runId !== undefined && event.runId !== this.view.runId) return;
    switch (event.type) {
      case 'run.started':
        this.reset();
        this.setView({ runId: event.runId, phase: 'running', inputs: event.inputs });
        break;
      case 'node.started':
        this.setNode(event.nodeId, { status: 'running', text: '' });
        break;
      case 'node.token': {
        const node = this.nodes.get(event.nodeId);
        // A token longer than the runner's cut (offline:echo answers in one) comes as its start.
        const text = cutOf(event.text)?.preview ?? event.text;
        // An agent's next step (after its tool calls) starts its text over.
        const sameStep = node?.step === event.step;
        this.setNode(event.nodeId, { status: 'running', ...node, text: (sameStep ? (node?.text ?? '') : '') + text, ...(event.step === undefined ? {} : { step: event.step }) });
        break;
      }
      case 'node.completed':
        // a reused node (run from a node, a pin) completes without running: its trace says so
        this.setNode(event.nodeId, { status: event.trace?.status === 'reused' ? 'reused' : 'succeeded', text: textOf(event.trace) ?? this.nodes.get(event.nodeId)?.text ?? '', trace: event.trace });
        break;
      case 'node.failed':
        this.setNode(event.nodeId, { status: 'failed', text: this.nodes.get(event.nodeId)?.text ?? '', trace: event.trace, error: event.error });
        break;
      case 'node.skipped':
        this.setNode(event.nodeId, { status: 'skipped', text: '' });
        break;
      case 'run.completed':
        this.setView({ ...this.view, phase: 'succeeded', outputs: event.outputs, durationMs: event.durationMs });
        break;
      case 'run.failed':
        this.setView({ ...this.view, phase: event.cancelled ? 'cancelled' : 'failed', error: event.error, failedNode: event.nodeId, durationMs: event.durationMs });
        this.settleRunning(event.cancelled ? 'cancelled' : 'failed');
        break;
    }
  }

  /** A stored run (`GET /api/runs/:id`) shown as if it had just streamed. */
  load(record: RunRecord): void {
    this.reset();
    for (const [id, trace] of Object.entries(record.nodes ?? {})) this.setNode(id, { status: trace.status, text: textOf(trace) ?? '', trace, error: trace.error });
    this.setView({
      runId: record.id,
      phase: record.status === 'running' ? 'running' : record.status,
      inputs: record.inputs,
      outputs: record.outputs ?? undefined,
      error: record.error ?? undefined,
      failedNode: record.failedNode ?? undefined,
      durationMs: record.durationMs ?? undefined,
    });
  }

  /** A failure the server never streamed (the request itself failed). */
  fail(error: string): void {
    this.setView({ ...this.view, phase: 'failed', error });
    this.settleRunning('failed');
  }

  private settleRunning(status: NodeStatus): void {
    for (const [id, node] of this.nodes) if (node.status === 'running') this.setNode(id, { ...node, status: status === 'failed' ? 'cancelled' : status });
  }

  private setNode(id: string, state: NodeRunState): void {
    this.nodes.set(id, state);
    this.dirty.add(id);
    this.requestFlush();
  }

  private setView(view: RunView): void {
    this.view = view;
    this.runDirty = true;
    this.requestFlush();
  }

  private requestFlush(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  /** Notifies now what changed since the last notification. */
  flush(): void {
    this.scheduled = false;
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const id of dirty) this.nodeListeners.get(id)?.forEach((l) => l());
    if (this.runDirty || dirty.length) {
      this.runDirty = false;
      this.listeners.forEach((l) => l());
    }
  }
}

/** A node's text output, or its start when the runner cut it. */
function textOf(trace: NodeTrace | undefined): string | undefined {
  const text = trace?.outputs?.text;
  const cut = cutOf(text);
  if (cut?.type === 'string') return cut.preview;
  return typeof text === 'string' ? text : undefined;
}
