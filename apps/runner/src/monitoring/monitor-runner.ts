import type { PipelineDocument, Services } from '@patchbay/core';
import { applyScorer, getScorerType, readTarget, resolveTargets, type ScorerSpec } from '@patchbay/evals';
import type { MonitorScore, MonitorStore } from '../store/monitors';
import type { MonitorSpec } from './monitor-spec';
import type { FinishedRunFacts } from './run-facts';

/** Sampled runs waiting to be scored; past this the newest are dropped (and counted), never the request. */
export const MONITOR_QUEUE_LIMIT = 1_000;
/** Scorings at once (an llm-judge waits on a model; a slow judge must not pile up). */
const CONCURRENCY = 2;

interface Job {
  monitor: MonitorSpec;
  spec: ScorerSpec;
  run: FinishedRunFacts;
}

/**
 * Online scoring: after a run finishes, each monitor of its pipeline whose
 * labels/sources match samples it (probability `sample`); sampled runs wait in
 * a bounded queue and are scored off the request path with the eval scorer,
 * the score stored with the run. What the queue cannot keep is dropped and
 * counted (`dropped`), so a slow judge never delays an answer or grows memory.
 */
export class MonitorRunner {
  private monitors = new Map<string, MonitorSpec[]>();
  /** Targets resolved once per (document, monitor): a saved version's document is one shared object. */
  private readonly specs = new WeakMap<MonitorSpec, ScorerSpec>();
  private readonly targets = new WeakMap<object, Map<MonitorSpec, ReturnType<typeof resolveTargets> extends Map<string, infer R> ? R : never>>();
  private readonly queue: Job[] = [];
  private active = 0;
  private idle: (() => void)[] = [];
  private closed = false;
  dropped = 0;
  scored = 0;

  constructor(
    private readonly store: MonitorStore,
    private readonly services: Partial<Services>,
    private readonly onScore: (score: MonitorScore) => void,
    private readonly log: (line: string) => void,
    private readonly random: () => number = Math.random,
  ) {}

  set(pipeline: string, all: MonitorSpec[]): void {
    const monitors = all.filter((m) => m.enabled !== false);
    if (monitors.length) this.monitors.set(pipeline, monitors);
    else this.monitors.delete(pipeline);
  }

  /** Whether `monitor` of `pipeline` is set and switched on. */
  scores(pipeline: string, monitor: string): boolean {
    return this.monitors.get(pipeline)?.some((m) => m.name === monitor) ?? false;
  }

  observe(run: FinishedRunFacts): void {
    if (this.closed || !run.pipeline || run.status !== 'succeeded') return;
    const monitors = this.monitors.get(run.pipeline);
    if (!monitors) return;
    for (const monitor of monitors) {
      if (monitor.labels && !monitor.labels.includes(run.label ?? '')) continue;
      if (monitor.sources && !(monitor.sources as readonly string[]).includes(run.source ?? '')) continue;
      if (monitor.sample < 1 && this.random() >= monitor.sample) continue;
      if (this.queue.length >= MONITOR_QUEUE_LIMIT) {
        this.dropped++;
        continue;
      }
      this.queue.push({ monitor, spec: this.specOf(monitor), run });
    }
    this.pump();
  }

  /** The suite-style scorer spec of a monitor, its params parsed (defaults filled) once. */
  private specOf(monitor: MonitorSpec): ScorerSpec {
    let spec = this.specs.get(monitor);
    if (!spec) {
      const def = getScorerType(monitor.scorer.type);
      const params = def ? def.params.parse(monitor.scorer.params) : monitor.scorer.params;
      spec = { name: monitor.name, type: monitor.scorer.type, target: monitor.scorer.target, params, threshold: monitor.scorer.threshold } as ScorerSpec;
      this.specs.set(monitor, spec);
    }
    return spec;
  }

  private pump() {
    while (this.active < CONCURRENCY && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.active++;
      void this.score(job).finally(() => {
        this.active--;
        if (this.active === 0 && this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
        this.pump();
      });
    }
  }

  private async score({ monitor, spec, run }: Job): Promise<void> {
    try {
      const document = run.document as PipelineDocument | undefined;
      if (!document) return;
      let byMonitor = this.targets.get(document);
      if (!byMonitor) this.targets.set(document, (byMonitor = new Map()));
      let ref = byMonitor.get(monitor);
      if (ref === undefined) byMonitor.set(monitor, (ref = resolveTargets(document, [spec]).get(spec.name) ?? null));
      const value = ref ? readTarget(ref, { outputs: run.outputs ?? {}, nodes: run.nodes }) : undefined;
      let tokens = 0;
      let cost = 0;
      for (const id in run.nodes) {
        tokens += run.nodes[id].usage?.totalTokens ?? 0;
        cost += run.nodes[id].costUsd ?? 0;
      }
      const result = await applyScorer(
        spec,
        value,
        { id: run.id, input: run.inputs ?? {} },
        { latencyMs: run.durationMs, tokens, costUsd: cost },
        { models: this.services.models!, sandbox: this.services.sandbox! },
      );
      const score: MonitorScore = {
        runId: run.id,
        monitor: monitor.name,
        pipeline: run.pipeline!,
        version: run.version,
        label: run.label,
        score: result.score,
        pass: result.pass,
        reason: result.error ? `${result.reason}: ${result.error}` : (result.reason ?? null),
        at: Date.now(),
      };
      await this.store.addScore(score);
      this.scored++;
      this.onScore(score);
    } catch (err) {
      this.log(`monitor "${monitor.name}" could not score run ${run.id}: ${(err as Error).message}`);
    }
  }

  /** Resolves once every queued scoring has finished (tests, shutdown). */
  drained(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.drained();
  }
}
