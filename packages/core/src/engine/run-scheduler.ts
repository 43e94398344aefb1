import { coerce } from '../graph/port-types';
import type { NodeReport, PipelineCalls } from './context';
import { noPipelineCalls } from './child-runs';
import type { RunEvent } from './events';
import type { ExecutionPlan, PlannedNode } from './execution-plan';
import type { Services } from './services';
import type { NodeTrace, RunResult } from './trace';
import { NodeTimeoutError, runWithTimeout } from './attempt-timeout';
import { checkJsonLimits, type JsonLimitProblem } from './json-limits';
import { applyReport } from './node-report';
import { NodeRunContext, type ContextHost } from './node-run-context';
import { isTokenless, tokenlessModels } from './tokenless-models';
import { errorMessage } from './error-message';
import type { ItemSlots } from './item-slots';

interface NodeState {
  planned: PlannedNode;
  trace: NodeTrace;
  /** Values that arrived over edges, by input port (only the arrived ones). */
  inputs: Record<string, unknown>;
  /** Edges into the node not yet resolved; at 0 the node runs or is skipped. */
  remaining: number;
  arrived: number;
  /** Some input came over an edge that was not taken (or from a skipped node). */
  blocked: boolean;
  attempt: number;
  t0: number;
  retryTimer?: ReturnType<typeof setTimeout>;
  /** Set while the attempt waits in a queue: what for, since when (performance.now()). */
  waiting?: { for: string; since: number };
  /** Not run: its outputs are given (run from a node, a pin). */
  preset?: ReusedNode;
  /** Characters of text this attempt streamed; past maxOutputBytes the attempt fails with `overLimit`. */
  streamed: number;
  overLimit?: Error;
}

/** A node that is not run: its outputs come from an earlier run or a pin; null outputs mean it was skipped there. */
export interface ReusedNode {
  outputs: Record<string, unknown> | null;
  /** The inputs recorded with them (an `output` node's value is its input). */
  inputs?: Record<string, unknown>;
  /** The run they were recorded in. */
  from?: string;
  pinned?: boolean;
}

export interface SchedulerOptions {
  runId: string;
  services: Services;
  signal?: AbortSignal;
  concurrency: number;
  onEvent?: (event: RunEvent) => void;
  /** False: no one reads token events, so providers are not asked to stream (see RunOptions.tokens). */
  tokens?: boolean;
  /** Stored pipelines this run calls (resolved when it started). */
  pipelines?: PipelineCalls;
  /** Nodes not to run, by id, with the outputs they stand for. */
  reuse?: Readonly<Record<string, ReusedNode>>;
  maxOutputBytes?: number;
  /** A child run inside a map item: the run-wide item slots its maps borrow. */
  itemSlots?: ItemSlots;
}

/** Pause before retry n (1-based): short and growing, so a flaky call gets a moment without stalling the run. */
export function retryBackoffMs(attempt: number): number {
  return Math.min(50 * 2 ** (attempt - 1), 2_000);
}

/** Outputs are checked for size and depth only (a `__proto__` key in a model's JSON is a value's key). */
function outputLimitMessage(problem: Exclude<JsonLimitProblem, { kind: 'proto-key' | 'lone-surrogate' }>): string {
  return problem.kind === 'size'
    ? `its output is over the limit of ${problem.maxBytes} bytes (limits.maxOutputBytes in the workspace config)`
    : `its output nests deeper than ${problem.maxDepth} levels (at ${problem.shownPath.replace(/^\$/, '$outputs')})`;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** A port or output named `__proto__` must become a key, not replace the object's prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * One run of a compiled plan. Event driven: a node starts from the completion
 * callback of the last node feeding it, never from a polling loop, and nothing
 * is awaited in between, so the overhead per node is a few microtasks.
 */
export class RunScheduler implements ContextHost<NodeState> {
  readonly runId: string;
  readonly services: Services;
  readonly pipelines: PipelineCalls;
  readonly itemSlots: ItemSlots | undefined;
  private readonly states: NodeState[];
  private readonly ready: NodeState[] = [];
  private readyHead = 0;
  private readonly toSkip: NodeState[] = [];
  private running = 0;
  private settled = 0;
  private finished = false;
  private readonly controller = new AbortController();
  private readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  private readonly outputs: Record<string, unknown> = {};
  private resolve!: (result: RunResult) => void;
  private readonly onOuterAbort = () => this.finish('cancelled', 'run cancelled');

  constructor(
    plan: ExecutionPlan,
    readonly inputs: Record<string, unknown>,
    private readonly options: SchedulerOptions,
  ) {
    this.runId = options.runId;
    // Without a listener for them, token events go nowhere: do not make providers stream them.
    const tokensHeard = options.onEvent !== undefined && options.tokens !== false;
    this.services = tokensHeard || isTokenless(options.services.models) ? options.services : { ...options.services, models: tokenlessModels(options.services.models) };
    this.states = plan.nodes.map((planned) => ({
      planned,
      trace: { id: planned.node.id, type: planned.node.type, status: 'pending', attempts: 0 },
      inputs: {},
      remaining: planned.incoming,
      arrived: 0,
      blocked: false,
      attempt: 0,
      t0: 0,
      streamed: 0,
    }));
    this.pipelines = options.pipelines ?? noPipelineCalls;
    this.itemSlots = options.itemSlots;
    if (options.reuse) this.presetNodes(options.reuse);
  }

  /**
   * Given nodes are ready at once (their inputs are not waited for). A node
   * whose every edge leads only to such nodes is not needed: it is skipped
   * without running, and its skip reaches no one.
   */
  private presetNodes(reuse: Readonly<Record<string, ReusedNode>>): void {
    for (const state of this.states) {
      if (!Object.hasOwn(reuse, state.trace.id)) continue;
      state.preset = reuse[state.trace.id];
      state.remaining = 0;
    }
    const unneeded = new Set<NodeState>();
    let changed = true;
    while (changed) {
      changed = false;
      for (const state of this.states) {
        if (state.preset || unneeded.has(state) || state.planned.outgoing.length === 0) continue;
        if (state.planned.outgoing.every((e) => this.states[e.target].preset || unneeded.has(this.states[e.target]))) {
          unneeded.add(state);
          changed = true;
        }
      }
    }
    for (const state of unneeded) {
      state.remaining = -1; // never counted down to 0 again
      this.toSkip.push(state);
    }
    // Edges out of an unneeded node were counted on nodes that are all preset or unneeded: nothing to undo.
  }

  run(): Promise<RunResult> {
    return new Promise<RunResult>((resolve) => {
      this.resolve = resolve;
      const { runId, signal } = this.options;
      if (this.options.onEvent) this.emit({ type: 'run.started', runId, at: this.startedAt, inputs: this.inputs });
      if (signal?.aborted) return this.finish('cancelled', 'run cancelled');
      signal?.addEventListener('abort', this.onOuterAbort, { once: true });
      for (const state of this.states) if (state.remaining === 0) this.ready.push(state);
      this.toSkip.reverse(); // unneeded nodes in document order
      this.pump();
    });
  }

  /** A listener that throws must not break the run (nor fail the node whose token it was given). */
  private emit(event: RunEvent): void {
    try {
      this.options.onEvent!(event);
    } catch (err) {
      console.error(`patchbay: a run event listener threw on ${event.type}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Skips what must be skipped and starts ready nodes up to the concurrency bound; ends the run when nothing is left. */
  private pump(): void {
    const limit = this.options.concurrency;
    while (!this.finished) {
      if (this.toSkip.length > 0) this.skip(this.toSkip.pop()!);
      else if (this.readyHead < this.ready.length && this.running < limit) this.launch(this.ready[this.readyHead++]);
      else break;
    }
    if (this.readyHead === this.ready.length) this.ready.length = this.readyHead = 0;
    if (this.finished || this.running > 0 || this.ready.length > 0) return;
    if (this.settled === this.states.length) return this.complete();
    // Only reachable when validation was skipped on a graph with a cycle.
    const stuck = this.states.filter((s) => s.trace.status === 'pending').map((s) => s.trace.id);
    this.finish('failed', `nodes ${stuck.map((id) => `"${id}"`).join(', ')} never became ready (is there a cycle?)`);
  }

  private launch(state: NodeState): void {
    if (state.preset) return this.settlePreset(state, state.preset);
    this.running++;
    state.trace.status = 'running';
    state.trace.startedAt = Date.now();
    state.t0 = performance.now();
    this.attempt(state);
  }

  private attempt(state: NodeState): void {
    const n = ++state.attempt;
    state.trace.attempts = n;
    state.streamed = 0;
    state.overLimit = undefined;
    const node = state.planned.node;
    if (this.options.onEvent) this.emit({ type: 'node.started', runId: this.runId, nodeId: node.id, at: Date.now(), attempt: n });
    const pending = node.timeoutMs
      ? runWithTimeout((signal) => this.invoke(state, n, signal, Date.now() + node.timeoutMs!), this.controller.signal, node.id, node.timeoutMs)
      : this.invoke(state, n, this.controller.signal);
    pending.then(
      (outputs) => this.succeeded(state, outputs),
      (err) => this.attemptFailed(state, n, err),
    );
  }

  private invoke(state: NodeState, attempt: number, signal: AbortSignal, deadline?: number): Promise<Record<string, unknown>> {
    const { def, config } = state.planned;
    try {
      return Promise.resolve(def.run(state.inputs, config, new NodeRunContext(this, state, attempt, state.trace.id, signal, deadline)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * A timed-out attempt may still stream; only the current attempt of a running node speaks.
   * Streamed text counts toward maxOutputBytes as it comes: a reply that streams past it is not
   * sent or stored on to the end (a model that answers 50 MB) but stopped: the throw reaches the
   * node's token callback, which ends the call, and the attempt fails with the output limit's reason.
   */
  nodeToken(state: NodeState, attempt: number, text: string, step?: number): void {
    if (!this.options.onEvent || state.attempt !== attempt || state.trace.status !== 'running' || this.finished) return;
    const max = this.options.maxOutputBytes;
    if (max !== undefined && (state.streamed += text.length) > max) {
      state.overLimit ??= new Error(outputLimitMessage({ kind: 'size', maxBytes: max }));
      throw state.overLimit;
    }
    this.emit({ type: 'node.token', runId: this.runId, nodeId: state.trace.id, text, ...(step === undefined ? {} : { step }) });
  }

  /** Spend of earlier attempts counts too: it was paid for. */
  nodeReport(state: NodeState, report: NodeReport): void {
    if (state.trace.status !== 'running') return;
    if (report.waiting !== undefined) this.nodeWaiting(state, report.waiting);
    applyReport(state.trace, report);
  }

  private nodeWaiting(state: NodeState, waiting: string | null): void {
    if (state.waiting) {
      state.trace.waitedMs = round((state.trace.waitedMs ?? 0) + performance.now() - state.waiting.since);
      state.waiting = undefined;
    }
    if (waiting !== null) state.waiting = { for: waiting, since: performance.now() };
  }

  private succeeded(state: NodeState, result: Record<string, unknown>): void {
    if (this.finished) return;
    const outputs = result && typeof result === 'object' ? result : {};
    // Outputs are stored, streamed and passed on: past a bound they fail the node here, not the store later.
    const tooBig = checkJsonLimits(outputs, { maxBytes: this.options.maxOutputBytes });
    if (tooBig) return this.attemptFailed(state, state.attempt, new Error(outputLimitMessage(tooBig)));
    this.nodeWaiting(state, null);
    const trace = state.trace;
    trace.status = 'succeeded';
    trace.inputs = state.inputs;
    trace.outputs = outputs;
    trace.durationMs = round(performance.now() - state.t0);
    this.running--;
    this.settled++;
    if (trace.type === 'output') setOwn(this.outputs, (state.planned.config as { name: string }).name, state.inputs.value);
    if (this.options.onEvent) this.emit({ type: 'node.completed', runId: this.runId, nodeId: trace.id, at: Date.now(), durationMs: trace.durationMs, trace });
    this.deliver(state, outputs);
    this.pump();
  }

  private attemptFailed(state: NodeState, attempt: number, failure: unknown): void {
    if (this.finished) return;
    // Whatever the model client made of the stopped stream, the reason is the limit.
    const err = state.overLimit ?? failure;
    const waitedFor = state.waiting?.for;
    this.nodeWaiting(state, null);
    const retries = state.planned.node.retries ?? 0;
    if (attempt <= retries) {
      state.retryTimer = setTimeout(() => {
        state.retryTimer = undefined;
        if (!this.finished) this.attempt(state);
      }, retryBackoffMs(attempt));
      return;
    }
    const trace = state.trace;
    // A timeout that struck in a queue says so: the work itself never started.
    const message = waitedFor && err instanceof NodeTimeoutError ? `${errorMessage(err)} waiting for ${waitedFor}; its work never started` : errorMessage(err);
    trace.status = 'failed';
    trace.error = message;
    trace.inputs = state.inputs;
    trace.durationMs = round(performance.now() - state.t0);
    this.running--;
    this.settled++;
    if (this.options.onEvent) this.emit({ type: 'node.failed', runId: this.runId, nodeId: trace.id, at: Date.now(), error: message, trace });
    this.finish('failed', `node "${trace.id}" failed: ${message}`, trace.id);
  }

  /** A reused or pinned node: its given outputs flow on as if it had run; it costs nothing. */
  private settlePreset(state: NodeState, preset: ReusedNode): void {
    if (preset.outputs === null) return this.skip(state);
    const trace = state.trace;
    trace.status = 'reused';
    trace.outputs = preset.outputs;
    if (preset.inputs) trace.inputs = preset.inputs;
    trace.durationMs = 0;
    if (preset.from) trace.reusedFrom = preset.from;
    if (preset.pinned) trace.pinned = true;
    this.settled++;
    if (trace.type === 'output') setOwn(this.outputs, (state.planned.config as { name: string }).name, preset.inputs?.value);
    if (this.options.onEvent) this.emit({ type: 'node.completed', runId: this.runId, nodeId: trace.id, at: Date.now(), durationMs: 0, trace });
    this.deliver(state, preset.outputs);
  }

  private skip(state: NodeState): void {
    state.trace.status = 'skipped';
    this.settled++;
    if (this.options.onEvent) this.emit({ type: 'node.skipped', runId: this.runId, nodeId: state.trace.id, at: Date.now() });
    this.deliver(state, null);
  }

  /** Resolves every edge out of a settled node: a value for ports in `outputs`, "not taken" for the rest. */
  private deliver(state: NodeState, outputs: Record<string, unknown> | null): void {
    for (const edge of state.planned.outgoing) {
      const target = this.states[edge.target];
      if (target.preset || target.remaining < 0) continue;
      if (outputs !== null && Object.hasOwn(outputs, edge.sourcePort)) {
        const value = outputs[edge.sourcePort];
        setOwn(target.inputs, edge.targetPort, edge.fromType === edge.toType ? value : coerce(value, edge.fromType, edge.toType));
        target.arrived++;
      } else {
        target.blocked = true;
      }
      if (--target.remaining > 0) continue;
      // A merge runs on what arrived; anything else on a branch not taken is skipped.
      if (target.blocked && !(target.planned.def.acceptsSkipped && target.arrived > 0)) this.toSkip.push(target);
      else this.ready.push(target);
    }
  }

  private complete(): void {
    this.finished = true;
    this.options.signal?.removeEventListener('abort', this.onOuterAbort);
    const durationMs = round(performance.now() - this.t0);
    if (this.options.onEvent) this.emit({ type: 'run.completed', runId: this.runId, at: Date.now(), durationMs, outputs: this.outputs });
    this.resolve(this.result('succeeded', durationMs));
  }

  /** Ends the run early: running nodes are cancelled (their signal aborts), nodes never started stay pending. */
  private finish(status: 'failed' | 'cancelled', error: string, failedNode?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.options.signal?.removeEventListener('abort', this.onOuterAbort);
    const now = performance.now();
    for (const state of this.states) {
      if (state.trace.status !== 'running') continue;
      if (state.retryTimer) clearTimeout(state.retryTimer);
      state.trace.status = 'cancelled';
      state.trace.inputs = state.inputs;
      state.trace.durationMs = round(now - state.t0);
    }
    this.controller.abort(new DOMException(status === 'cancelled' ? 'run cancelled' : error, 'AbortError'));
    const durationMs = round(now - this.t0);
    if (this.options.onEvent) {
      this.emit({
        type: 'run.failed',
        runId: this.runId,
        at: Date.now(),
        durationMs,
        error,
        ...(failedNode ? { nodeId: failedNode } : {}),
        ...(status === 'cancelled' ? { cancelled: true } : {}),
      });
    }
    this.resolve({ ...this.result(status, durationMs), error, ...(failedNode ? { failedNode } : {}) });
  }

  private result(status: RunResult['status'], durationMs: number): RunResult {
    const nodes: Record<string, NodeTrace> = {};
    for (const state of this.states) nodes[state.trace.id] = state.trace;
    return { runId: this.runId, status, inputs: this.inputs, outputs: this.outputs, startedAt: this.startedAt, durationMs, nodes };
  }
}
