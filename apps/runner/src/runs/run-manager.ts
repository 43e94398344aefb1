import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { preparePipeline, type NodeTrace, type PipelineDocument, type PreparedPipeline, type RunEvent, type RunResult, type Services } from '@patchbay/core';
import { LiveJob, type JobListener } from '../jobs/live-job';
import type { RunFinish, RunRecord, RunSource, RunStore } from '../store/runs';
import type { FinishedRunFacts } from '../monitoring/run-facts';

export interface StartRun {
  document: PipelineDocument;
  inputs: Record<string, unknown>;
  /** Set for a saved version; null (with `inline`) for a document sent with the request. */
  pipeline: string | null;
  version: number | null;
  inline: boolean;
  /** Where the run came from; default `api`. */
  source?: RunSource;
  /** The label it was served under, and the serving key's name. */
  label?: string | null;
  keyName?: string | null;
  /** The W3C `traceparent` of the request, so the run's OpenTelemetry trace joins the caller's. */
  traceparent?: string;
}

/** Receives a run's events in order, each with its 0-based sequence number (the SSE id). */
export type RunListener = JobListener<RunEvent>;

/** A subclass, not a wrapper: one object per run on the runner's hot path. */
class ActiveRun extends LiveJob<RunEvent> {
  constructor(
    id: string,
    readonly document: PipelineDocument,
    readonly startedAt: number,
    log: (line: string) => void,
    readonly request: StartRun,
  ) {
    super('run', id, log);
  }
}

/** The row that records how a run ended, from the engine's result. */
export function finishedRun(id: string, result: RunResult, events: RunEvent[]): RunFinish {
  return {
    id,
    status: result.status,
    outputs: result.outputs ?? null,
    error: result.error ?? null,
    failedNode: result.failedNode ?? null,
    durationMs: result.durationMs,
    nodes: result.nodes,
    events,
  };
}

/** This process, as recorded on its running rows; a restart interrupts only runs of processes that are gone. */
export const PROCESS_OWNER = `${os.hostname()}:${process.pid}`;

/** True when `owner` (`host:pid`) is a live process on this host other than this one. */
export function isOwnerAlive(owner: string): boolean {
  const colon = owner.lastIndexOf(':');
  const pid = Number(owner.slice(colon + 1));
  // Another host's process cannot be checked from here: leave its runs alone.
  if (owner.slice(0, colon) !== os.hostname()) return true;
  // This process has just started, so a row naming its pid is from an earlier one (pid reuse, e.g. pid 1 in a container).
  if (!Number.isInteger(pid) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs pipelines in this process: records each run as `running`, fans its
 * events out to subscribers (SSE) while keeping them for late joiners, and
 * writes the outcome with every node trace when it ends.
 */
export class RunManager {
  private readonly active = new Map<string, ActiveRun>();
  /** Compiled once per document object: a saved version's document is one cached, immutable object, so its runs skip the compile. */
  private readonly prepared = new WeakMap<PipelineDocument, PreparedPipeline>();
  private readonly store: RunStore;
  private readonly services: Partial<Services>;
  private readonly log: (line: string) => void;
  private accepting = true;
  private readonly observe?: (run: FinishedRunFacts) => void;

  constructor(deps: { store: RunStore; services: Partial<Services>; log?: (line: string) => void; observe?: (run: FinishedRunFacts) => void }) {
    this.store = deps.store;
    this.observe = deps.observe;
    this.services = deps.services;
    this.log = deps.log ?? (() => {});
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Starts a run and returns its id at once; the run goes on in the background. Inputs must have been checked. */
  start(request: StartRun): string {
    if (!this.accepting) throw new Error('the runner is shutting down');
    const id = randomUUID();
    const startedAt = Date.now();
    const run = new ActiveRun(id, request.document, startedAt, this.log, request);
    this.active.set(id, run);
    this.store.begin({
      id,
      pipeline: request.pipeline,
      version: request.version,
      document: request.inline ? request.document : null,
      inputs: request.inputs,
      startedAt,
      owner: PROCESS_OWNER,
      source: request.source ?? 'api',
      label: request.label ?? null,
      keyName: request.keyName ?? null,
    });
    let result: Promise<RunResult>;
    try {
      result = this.prepare(request.document).run(request.inputs, {
        services: this.services,
        signal: run.controller.signal,
        runId: id,
        onEvent: (event) => run.publish(event),
      });
    } catch (err) {
      result = Promise.reject(err); // a document that cannot compile is recorded as a failed run, like any other failure
    }
    run.done = result.then(
      (result) => this.finish(run, result),
      (err: Error) => this.fail(run, err),
    );
    return id;
  }

  /** Validated when it was saved (or just now, inline), so only compiled here. */
  private prepare(document: PipelineDocument): PreparedPipeline {
    let prepared = this.prepared.get(document);
    if (!prepared) {
      prepared = preparePipeline(document, { skipValidation: true });
      this.prepared.set(document, prepared);
    }
    return prepared;
  }

  /**
   * Replays a live run's events from `fromSeq`, then streams the rest; `onEnd`
   * is called after its last event. Undefined when the run is not live.
   */
  subscribe(id: string, fromSeq: number, onEvent: RunListener, onEnd: () => void): (() => void) | undefined {
    return this.active.get(id)?.subscribe(fromSeq, onEvent, onEnd);
  }

  isActive(id: string): boolean {
    return this.active.has(id);
  }

  /** A live run's trace so far, merged over its `running` row. */
  liveView(record: RunRecord): RunRecord {
    const run = this.active.get(record.id);
    if (!run) return record;
    const nodes: Record<string, NodeTrace> = { ...record.nodes };
    const typeOf = (id: string) => run.document.nodes.find((n) => n.id === id)?.type ?? '';
    for (const event of run.events) {
      if (event.type === 'node.started') nodes[event.nodeId] = { id: event.nodeId, type: typeOf(event.nodeId), status: 'running', startedAt: nodes[event.nodeId]?.startedAt ?? event.at, attempts: event.attempt };
      else if (event.type === 'node.completed' || event.type === 'node.failed') nodes[event.nodeId] = event.trace;
      else if (event.type === 'node.skipped') nodes[event.nodeId] = { id: event.nodeId, type: typeOf(event.nodeId), status: 'skipped', attempts: 0 };
    }
    return { ...record, nodes };
  }

  /** Cancels a live run and waits (up to `waitMs`) for it to be recorded. False when it is not live. */
  async cancel(id: string, waitMs = 5_000): Promise<boolean> {
    const run = this.active.get(id);
    if (!run) return false;
    await run.cancel('cancelled', waitMs);
    return true;
  }

  /** Shutting down: refuses new runs, cancels the live ones and waits for them to be recorded. */
  async cancelAll(waitMs = 5_000): Promise<void> {
    this.accepting = false;
    await LiveJob.cancelAll(this.active.values(), 'the runner is shutting down', waitMs);
    await this.store.flush();
  }

  private finish(run: ActiveRun, result: RunResult) {
    const row = finishedRun(run.id, result, run.events);
    this.store.finish(row);
    this.end(run);
    this.observed(run, row);
  }

  /** Monitoring sees the run after it is recorded and its stream has ended. */
  private observed(run: ActiveRun, row: RunFinish) {
    if (!this.observe) return;
    const { request } = run;
    this.observe({
      id: run.id,
      pipeline: request.pipeline ?? (request.inline ? request.document.name : null),
      version: request.version,
      label: request.label ?? null,
      source: request.source ?? 'api',
      status: row.status,
      startedAt: run.startedAt,
      durationMs: row.durationMs,
      error: row.error,
      nodes: row.nodes,
      traceparent: request.traceparent,
    });
  }

  /** The engine refused to start (a problem validation did not catch): recorded as a failed run. */
  private fail(run: ActiveRun, err: Error) {
    const message = err?.message ?? String(err);
    const durationMs = Date.now() - run.startedAt;
    if (!run.events.some((e) => e.type === 'run.failed' || e.type === 'run.completed')) {
      run.publish({ type: 'run.failed', runId: run.id, at: Date.now(), durationMs, error: message });
    }
    const row: RunFinish = { id: run.id, status: 'failed', outputs: null, error: message, failedNode: null, durationMs, nodes: {}, events: run.events };
    this.store.finish(row);
    this.end(run);
    this.observed(run, row);
  }

  private end(run: ActiveRun) {
    this.active.delete(run.id);
    run.end();
  }
}
