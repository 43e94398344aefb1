import { newRunId, preparePipeline, type NodeTrace, type PipelineDocument, type PreparedPipeline, type ReusedNode, type RunEvent, type RunResult, type Services } from '@patchbay/core';
import { untilStoreAnswers } from '../store/store-unavailable';
import { jobKind, type JobContext, type JobRegistry, type JobListener } from '../jobs/job-registry';
import type { FinishedRunFacts } from '../monitoring/run-facts';
import type { RunFinish, RunRecord, RunSource, RunStart, RunStore } from '../store/runs';
import { endedRunRecord } from './ended-run-record';
import { PROCESS_OWNER } from './process-owner';
import { runJobPayload } from './run-job-payload';
import type { WorkspacePins } from '../workspace/workspace-pins';
import type { ResolvedWorkspace } from '../workspace/workspace-resolver';

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
  /** False when no one will read the run's token events (a served answer sent whole): models answer whole, not streamed. */
  tokens?: boolean;
  /**
   * The caller answers only when the run has ended (a served answer sent
   * whole), after `recorded(id)`: the run is then written once, with its end,
   * instead of a `running` row first (RunStore BeginOptions.hold).
   */
  answeredAtEnd?: boolean;
  /** Nodes not to run (run from a node; the editor's pins), with the outputs they stand for. */
  reuse?: Record<string, ReusedNode>;
  /** Set for a run started from a node of an earlier run. */
  from?: { run: string; node: string };
}

/** A run as a job: what to run, and when it started (for the duration of a run that never got going). */
export interface RunJob extends StartRun {
  id: string;
  startedAt: number;
  /** Scaled out: the workspace config and indexes it runs with, pinned when it was enqueued. */
  workspace?: WorkspacePins;
}

export const RUN_JOB = jobKind<RunJob, RunEvent>('run', runJobPayload);

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
    ...(result.resolved ? { resolved: result.resolved } : {}),
  };
}

export { PROCESS_OWNER, isOwnerAlive } from './process-owner';

/** Masks secrets out of one node's streamed text (see Redactor.streamMasker). */
export interface StreamMasker {
  push(chunk: string): string;
  end(): string;
}

/**
 * Passes events on with each node's `node.token` texts masked as one stream: a
 * secret split over chunks never goes out, live or (the same events are stored) on replay.
 * What a node's masker holds back goes out as one more token just before the node ends
 * (or starts again, retried). An agent's steps are separate model replies, each its own
 * stream (as the trace keeps each step's text): what a step's masker holds back goes out,
 * with that step, before the next step's first token.
 */
function maskedTokens(masker: () => StreamMasker, emit: (event: RunEvent) => void): (event: RunEvent) => void {
  const streams = new Map<string, { masker: StreamMasker; step: number | undefined }>();
  const end = (runId: string, nodeId: string) => {
    const stream = streams.get(nodeId)!;
    streams.delete(nodeId);
    const rest = stream.masker.end();
    if (rest) emit({ type: 'node.token', runId, nodeId, text: rest, ...(stream.step === undefined ? {} : { step: stream.step }) });
  };
  return (event) => {
    if (event.type === 'node.token') {
      if (streams.has(event.nodeId) && streams.get(event.nodeId)!.step !== event.step) end(event.runId, event.nodeId);
      let stream = streams.get(event.nodeId);
      if (!stream) streams.set(event.nodeId, (stream = { masker: masker(), step: event.step }));
      const text = stream.masker.push(event.text);
      if (text) emit({ ...event, text });
      return;
    }
    const ends = event.type === 'node.started' || event.type === 'node.completed' || event.type === 'node.failed' || event.type === 'node.skipped';
    if (ends && streams.has(event.nodeId)) end(event.runId, event.nodeId);
    emit(event);
  };
}

/** The `running` row of a run about to start. */
function runStart(job: RunJob): RunStart {
  return {
    id: job.id,
    pipeline: job.pipeline,
    version: job.version,
    document: job.inline ? job.document : null,
    inputs: job.inputs,
    startedAt: job.startedAt,
    owner: PROCESS_OWNER,
    source: job.source ?? 'api',
    label: job.label ?? null,
    keyName: job.keyName ?? null,
    ...(job.from ? { from: job.from } : {}),
  };
}

/**
 * Runs pipelines as jobs of the registry: records each run as `running`, lets
 * the registry fan its events out to subscribers (SSE) while keeping them for
 * late joiners, and writes the outcome with every node trace when it ends.
 */
export class RunManager {
  /** Compiled once per document object: a saved version's document is one cached, immutable object, so its runs skip the compile. */
  private readonly prepared = new WeakMap<PipelineDocument, PreparedPipeline>();
  private readonly store: RunStore;
  private readonly services: Partial<Services>;
  private readonly jobs: JobRegistry;
  private readonly observe?: (run: FinishedRunFacts) => void;
  private readonly maxOutputBytes?: number;
  private readonly commitEachRun: boolean;
  private readonly maskStream?: () => StreamMasker;
  /** The commit of each answeredAtEnd run's end, until its caller has asked for it (recorded). */
  private readonly ends = new Map<string, Promise<void>>();
  private readonly pin?: (document: PipelineDocument) => Promise<WorkspacePins>;
  private readonly workspaceFor?: (pins?: WorkspacePins) => Promise<ResolvedWorkspace>;

  /**
   * `commitEachRun`: a run's outcome is committed before its job ends (scaled out, other processes read it next).
   * Scaled out, `pin` pins a run's workspace when it is enqueued and `workspaceFor` gives the services it then runs with.
   */
  constructor(deps: {
    store: RunStore;
    services: Partial<Services>;
    jobs: JobRegistry;
    observe?: (run: FinishedRunFacts) => void;
    maxOutputBytes?: number;
    commitEachRun?: boolean;
    maskStream?: () => StreamMasker;
    pin?: (document: PipelineDocument) => Promise<WorkspacePins>;
    workspaceFor?: (pins?: WorkspacePins) => Promise<ResolvedWorkspace>;
  }) {
    this.maskStream = deps.maskStream;
    this.pin = deps.pin;
    this.workspaceFor = deps.workspaceFor;
    this.store = deps.store;
    this.commitEachRun = deps.commitEachRun ?? false;
    this.maxOutputBytes = deps.maxOutputBytes;
    this.observe = deps.observe;
    this.services = deps.services;
    this.jobs = deps.jobs;
    this.jobs.define(RUN_JOB, (payload, job) => this.process(payload, job));
  }

  get activeCount(): number {
    return this.jobs.liveCount(RUN_JOB);
  }

  /**
   * Starts a run and returns its id once it is started (in-process) or queued
   * (a queue-backed registry: Redis holds it); the run goes on in the
   * background. Inputs must have been checked.
   */
  async start(request: StartRun): Promise<string> {
    // Time-ordered (UUIDv7): each run's rows go in at the end of the runs, nodes and scores indexes instead of at random pages.
    const id = newRunId();
    const job: RunJob = { ...request, id, startedAt: Date.now() };
    // Acknowledged means durable: the `running` row is committed (with the other runs of this
    // moment: group commit) before the caller hears the id. A full disk rejects here, before any work.
    // A caller that answers only at the end waits for the end's commit instead (recorded), so the
    // run may be written once; not when scaled out, where another process finishes it.
    const hold = request.answeredAtEnd === true && !this.commitEachRun;
    // Not acknowledged until committed (now, or with its end when held): a failed write is a refusal (503, 507), no lost run.
    const begun = this.store.begin(runStart(job), { hold, refusedOnFailure: true });
    if (!hold) await begun;
    try {
      if (this.pin) job.workspace = await this.pin(request.document);
      await this.jobs.start(RUN_JOB, id, job);
    } catch (err) {
      // Not started after all (shutting down, queue gone): the row must not stay `running`. Committed
      // before the caller hears so: a job that reaches the queue after all (a hung Redis answers late) reads it and does not run.
      const message = (err as Error)?.message ?? String(err);
      await this.store.finish({ id, status: 'failed', outputs: null, error: message, failedNode: null, durationMs: Date.now() - job.startedAt, nodes: {}, events: [] }).catch(() => {});
      throw err;
    }
    return id;
  }

  private process(payload: RunJob, job: JobContext<RunEvent>): Promise<void> {
    if (!this.commitEachRun) return this.execute(payload, job);
    // Scaled out, the record decides: a run whose enqueue was answered 503 (its record says failed) or that
    // was recorded already (its worker died before the job was acknowledged) is not run again. A store out of
    // reach does not stop it: it runs as before, and says so when its outcome cannot be recorded.
    return this.store.status(payload.id).then(
      (status) => (status === undefined || status === 'running' ? this.execute(payload, job) : undefined),
      () => this.execute(payload, job),
    );
  }

  private execute(payload: RunJob, job: JobContext<RunEvent>): Promise<void> {
    const { id, startedAt } = payload;
    // Taken up after its worker died, the run's stream goes on after that worker's events: stored with
    // them, a replay of the ended run has the ids clients were sent live (Last-Event-ID resumes with them).
    const events: RunEvent[] = [...(job.earlier ?? [])];
    const emit = (event: RunEvent) => {
      events.push(event);
      job.publish(event);
    };
    const onEvent = this.maskStream ? maskedTokens(this.maskStream, emit) : emit;
    const execute = (services: Partial<Services>, maxOutputBytes: number | undefined) =>
      this.prepare(payload.document).run(payload.inputs, { services, maxOutputBytes, signal: job.signal, runId: id, tokens: payload.tokens, onEvent, reuse: payload.reuse });
    let result: Promise<RunResult>;
    try {
      // Scaled out, the services are those of the workspace the run was pinned to (a config or index it cannot fetch fails the run).
      result = this.workspaceFor
        ? this.workspaceFor(payload.workspace).then((workspace) => execute(workspace.services, workspace.maxOutputBytes))
        : execute(this.services, this.maxOutputBytes);
    } catch (err) {
      result = Promise.reject(err); // a document that cannot compile is recorded as a failed run, like any other failure
    }
    const record = (row: RunFinish): Promise<void> | undefined => {
      if (this.commitEachRun) {
        // Monitoring sees the run after it is recorded and its stream has ended (the registry ends it once the job settles).
        const committed = this.finishDurably(row);
        return this.observe ? committed.then(() => void setImmediate(() => this.observed(payload, row))) : committed;
      }
      // A run answered at its end is acknowledged only once this commits (recorded()): refused, not lost, when it fails.
      const committed = this.store.finish(row, { refusedOnFailure: payload.answeredAtEnd === true });
      if (payload.answeredAtEnd) this.ends.set(id, committed);
      if (this.observe) setImmediate(() => this.observed(payload, row));
      return undefined;
    };
    const recorded = result.then(
      (result) => record(finishedRun(id, result, events)),
      (err: Error) => {
        // The engine refused to start (a problem validation did not catch): recorded as a failed run.
        const message = err?.message ?? String(err);
        const durationMs = Date.now() - startedAt;
        if (!events.some((e) => e.type === 'run.failed' || e.type === 'run.completed')) {
          const failed: RunEvent = { type: 'run.failed', runId: id, at: Date.now(), durationMs, error: message };
          events.push(failed);
          job.publish(failed);
        }
        return record({ id, status: 'failed', outputs: null, error: message, failedNode: null, durationMs, nodes: {}, events });
      },
    );
    return this.commitEachRun ? recorded.then(() => this.store.flush()) : recorded;
  }

  /**
   * Scaled out, a run's outcome is what every other process reads, and its job is acknowledged only
   * after it: a store out of reach is waited out (the job stays held; the store logs each failed try),
   * so the run does not stay `running` for good. Any other write error gives up (it was logged).
   */
  private async finishDurably(row: RunFinish): Promise<void> {
    await untilStoreAnswers(() => {
      const committed = this.store.finish(row);
      // Committed now, not at the store's next batch a few ms on: the job is acknowledged only after it.
      void this.store.flush();
      return committed;
    }).catch(() => {});
  }

  private observed(run: RunJob, row: RunFinish) {
    this.observe?.({
      id: run.id,
      pipeline: run.pipeline ?? (run.inline ? run.document.name : null),
      version: run.version,
      label: run.label ?? null,
      source: run.source ?? 'api',
      status: row.status,
      startedAt: run.startedAt,
      durationMs: row.durationMs,
      error: row.error,
      nodes: row.nodes,
      inputs: run.inputs,
      outputs: row.outputs,
      document: run.document,
      traceparent: run.traceparent,
    });
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
   * Settles when the end of a run started `answeredAtEnd` is committed (rejects
   * with the store's error when it could not be: the answer must not be given).
   * Asked once, after the run has ended; resolves at once for any other run.
   */
  recorded(id: string): Promise<void> {
    const committed = this.ends.get(id);
    this.ends.delete(id);
    return committed ?? Promise.resolve();
  }

  /**
   * Replays a live run's events from `fromSeq`, then streams the rest; `onEnd`
   * is called after its last event. Undefined when the run is not live.
   */
  subscribe(id: string, fromSeq: number, onEvent: JobListener<RunEvent>, onEnd: () => void): (() => void) | undefined {
    return this.jobs.subscribe(RUN_JOB, id, fromSeq, onEvent, onEnd);
  }

  /** A run's record once it has ended (see endedRunRecord); undefined when `signal` aborts first. */
  endedRecord(id: string, signal?: AbortSignal): Promise<RunRecord | undefined> {
    return endedRunRecord(this.store, id, signal);
  }

  isActive(id: string): Promise<boolean> {
    return Promise.resolve(this.jobs.isLive(RUN_JOB, id));
  }

  /** A live run's trace so far, merged over its `running` row. */
  async liveView(record: RunRecord): Promise<RunRecord> {
    if (record.status !== 'running') return record;
    const run = await this.jobs.live(RUN_JOB, record.id);
    if (!run) return record;
    const nodes: Record<string, NodeTrace> = { ...record.nodes };
    const typeOf = (id: string) => run.payload.document.nodes.find((n) => n.id === id)?.type ?? '';
    for (const event of run.events) {
      if (event.type === 'node.started') nodes[event.nodeId] = { id: event.nodeId, type: typeOf(event.nodeId), status: 'running', startedAt: nodes[event.nodeId]?.startedAt ?? event.at, attempts: event.attempt };
      else if (event.type === 'node.completed' || event.type === 'node.failed') nodes[event.nodeId] = event.trace;
      else if (event.type === 'node.skipped') nodes[event.nodeId] = { id: event.nodeId, type: typeOf(event.nodeId), status: 'skipped', attempts: 0 };
    }
    return { ...record, nodes };
  }

  /** Cancels a live run and waits (up to `waitMs`) for it to be recorded. False when it is not live. */
  cancel(id: string, waitMs = 5_000): Promise<boolean> {
    return this.jobs.cancel(RUN_JOB, id, { waitMs });
  }
}
