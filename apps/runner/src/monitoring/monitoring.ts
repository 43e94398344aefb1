import type { Services } from '@patchbay/core';
import type { MonitoringConfigKind, MonitorScore, MonitorStore } from '../store/monitors';
import type { RollupStore } from '../store/rollups';
import type { RunStore } from '../store/runs';
import { AlertOutbox } from './alert-outbox';
import { restoreAlertWindows } from './alert-history';
import { AlertEvaluator, alertSampleOf, type AlertPayload } from './alert-rules';
import { queryMetrics, type MetricsQuery } from './metrics-query';
import { MonitorRunner } from './monitor-runner';
import type { AlertRuleSpec, MonitorSpec } from './monitor-spec';
import { DomainError } from '../domain-errors';
import { createRunTraceExporter, type RunTraceExporter } from './otel-traces';
import { PrometheusMetrics } from './prometheus';
import { RollupWriter } from './rollup-writer';
import type { FinishedRunFacts } from './run-facts';
import type { AlertSample, SharedAlertWindows } from './shared-alert-windows';
import { deliverAlert } from './webhook-delivery';
import type { HostResolver } from './webhook-address';
import { resolveWebhook, webhookVariableProblem } from './webhook-target';

export interface MonitoringOptions {
  rollups: RollupStore;
  monitors: MonitorStore;
  runs: RunStore;
  services: Partial<Services>;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
  log: (line: string) => void;
  /** `retention.runsDays` of the workspace config: older raw runs are pruned (rollups stay). */
  retentionDays?: number;
  /** Waits between webhook attempts (tests shorten them). */
  webhookBackoffMs?: number[];
  /** How a webhook's host name is resolved (default the system's; tests answer as DNS would). */
  webhookResolve?: HostResolver;
  /** On a store other servers share: how often to read the monitors and alert rules they may have saved. */
  syncConfigsEveryMs?: number;
}

/** Scores kept per monitor for the rolling mean Prometheus reports. */
const ROLLING_SCORES = 100;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Everything that watches finished runs, fed once per run by the run manager:
 * per-minute rollups (for /api/metrics and the Monitoring view), Prometheus
 * counters (for /metrics), OpenTelemetry traces when an OTLP endpoint is set,
 * monitors that score a sample of runs, and alert rules that post to webhooks.
 * None of it runs on the run's path: a run is answered before it is observed,
 * and an observer that throws is logged, never felt by the run.
 */
/** Deleted since the route checked it (a DELETE racing the PUT): as for a pipeline never made. */
const pipelineGone = (pipeline: string) => new DomainError('pipeline-not-found', `there is no pipeline "${pipeline}"`);

export class Monitoring {
  readonly prometheus: PrometheusMetrics;
  private readonly writer: RollupWriter;
  readonly monitorRunner: MonitorRunner;
  private readonly alerts: AlertEvaluator;
  /** Per pipeline and monitor: the last ROLLING_SCORES scores and their sum. */
  private readonly rolling = new Map<string, { scores: number[]; sum: number }>();
  private readonly outbox: AlertOutbox;
  /** Aborted at close: deliveries still being attempted stop and are recorded as failed. */
  private readonly stopping = new AbortController();
  private pruneTimer?: NodeJS.Timeout;
  private syncTimer?: NodeJS.Timeout;
  /** Per kind and pipeline: the list in effect here, as JSON. */
  private readonly applied = new Map<string, string>();
  /** Scaled out: alert windows over every server's runs (shareAlertWindows). */
  private shared?: SharedAlertWindows;
  /** Changes of state being claimed (scaled out): settled and close wait for them as for the outbox. */
  private readonly claims = new Set<Promise<unknown>>();
  /** Rules' windows being read back from the store (alert-history.ts). */
  private readonly restoring = new Set<Promise<void>>();

  private constructor(
    private readonly options: MonitoringOptions,
    private readonly traces: RunTraceExporter | null,
  ) {
    this.prometheus = new PrometheusMetrics(options.redact);
    this.writer = new RollupWriter(options.rollups, (err) => options.log(`could not write metric rollups: ${err.message}`));
    this.outbox = new AlertOutbox((rule, payload) => this.deliver(rule, payload));
    this.alerts = new AlertEvaluator((rule, payload) => this.changed(rule, payload));
    this.monitorRunner = new MonitorRunner(options.monitors, options.services, (score) => this.scored(score), options.log);
  }

  static async start(options: MonitoringOptions): Promise<Monitoring> {
    const traces = await createRunTraceExporter(options.env, options.redact, options.log);
    const monitoring = new Monitoring(options, traces);
    await monitoring.syncConfigs();
    if (options.syncConfigsEveryMs) {
      const sync = () => void monitoring.syncConfigs().catch((err: Error) => options.log(`could not read the monitors and alert rules: ${err.message}`));
      monitoring.syncTimer = setInterval(sync, options.syncConfigsEveryMs);
      monitoring.syncTimer.unref();
    }
    if (options.retentionDays) {
      const prune = () => void monitoring.prune().catch((err: Error) => options.log(`could not prune old runs and alerts: ${err.message}`));
      prune();
      monitoring.pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
      monitoring.pruneTimer.unref();
    }
    return monitoring;
  }

  /** Whether runs are exported as OpenTelemetry traces. */
  get exportsTraces(): boolean {
    return this.traces !== null;
  }

  observeRun(run: FinishedRunFacts): void {
    try {
      this.writer.observe(run);
      this.prometheus.observeRun(run);
      this.traces?.exportRun(run);
      // Built only for a pipeline some rule watches: most runs have none, and this is every run's path.
      if (run.pipeline && this.alerts.watches(run.pipeline)) this.alert({ kind: 'run', run: alertSampleOf(run)! });
      this.monitorRunner.observe(run);
    } catch (err) {
      this.options.log(`monitoring could not observe run ${run.id}: ${(err as Error).message}`);
    }
  }

  observeEvalCase(pipeline: string | null, status: string): void {
    this.prometheus.observeEvalCase(pipeline, status);
  }

  async setMonitors(pipeline: string, monitors: MonitorSpec[]): Promise<void> {
    if (!(await this.options.monitors.setConfig(pipeline, 'monitors', monitors))) throw pipelineGone(pipeline);
    await this.apply('monitors', pipeline, monitors);
  }

  async setAlertRules(pipeline: string, rules: AlertRuleSpec[]): Promise<void> {
    if (!(await this.options.monitors.setConfig(pipeline, 'alert-rules', rules))) throw pipelineGone(pipeline);
    await this.apply('alert-rules', pipeline, rules);
  }

  /**
   * Applies the monitors and alert rules in the store that differ from those in effect here: at
   * start, and scaled out every `syncConfigsEveryMs`, since another server may have saved them.
   */
  async syncConfigs(): Promise<void> {
    for (const kind of ['monitors', 'alert-rules'] as const) {
      for (const [pipeline, list] of await this.options.monitors.allConfigs(kind)) await this.apply(kind, pipeline, list);
    }
  }

  /**
   * Puts a pipeline's list in effect, unless it is the one in effect already (applying it again would empty the rules'
   * windows). Rules put in effect start from what the store holds (alert-history.ts), read before this resolves.
   */
  private async apply(kind: MonitoringConfigKind, pipeline: string, list: unknown[]): Promise<void> {
    const key = `${kind}\u0000${pipeline}`;
    const text = JSON.stringify(list);
    if (this.applied.get(key) === text) return;
    this.applied.set(key, text);
    if (kind === 'alert-rules') {
      this.alerts.set(pipeline, list as AlertRuleSpec[]);
      const restored = restoreAlertWindows(this.alerts, pipeline, this.options).catch((err: Error) =>
        this.options.log(`alert rules of "${pipeline}" start with empty windows: could not read its runs: ${err.message}`),
      );
      this.restoring.add(restored);
      void restored.finally(() => this.restoring.delete(restored));
      return restored;
    }
    const monitors = list as MonitorSpec[];
    this.monitorRunner.set(pipeline, monitors);
    // A monitor removed or switched off has no score any more: a gauge left at its last mean would stand for good.
    const scoring = new Set(monitors.filter((m) => m.enabled !== false).map((m) => `${pipeline}\u0000${m.name}`));
    for (const rolling of [...this.rolling.keys()]) {
      if (!rolling.startsWith(`${pipeline}\u0000`) || scoring.has(rolling)) continue;
      this.rolling.delete(rolling);
      this.prometheus.removeMonitorScore(pipeline, rolling.slice(pipeline.length + 1));
    }
  }

  /** A deleted pipeline's monitors and alert rules go with it (its delete emptied them in the store): out of effect here too. */
  async forgetPipeline(pipeline: string): Promise<void> {
    await this.apply('alert-rules', pipeline, []);
    await this.apply('monitors', pipeline, []);
  }

  /** Why a rule's webhook has no URL in this runner's environment (`${NAME}` unset or not a URL), or null. */
  webhookProblem(webhook: string): string | null {
    const target = resolveWebhook(webhook, this.options.env);
    return 'problem' in target ? target.problem : null;
  }

  /** Why a `${NAME}` webhook this runner's environment sets may never be posted to (its URL a metadata address), or null. */
  webhookRefusal(webhook: string): string | null {
    return webhookVariableProblem(webhook, this.options.env);
  }

  /** Series over time; flushes what is pending first so a query sees every finished run. */
  async query(query: MetricsQuery) {
    await this.writer.flush();
    return queryMetrics(this.options.rollups, query);
  }

  /**
   * Deletes raw runs older than the retention, and the alerts sent (delivered or failed) before it: an alert names
   * runs that are gone by then, and the log grows with every alert. Rollups and monitor scores stay (the charts' history).
   */
  async prune(): Promise<{ runs: number; alerts: number }> {
    if (!this.options.retentionDays) return { runs: 0, alerts: 0 };
    const before = Date.now() - this.options.retentionDays * 86_400_000;
    const runs = await this.options.runs.prune(before);
    const alerts = await this.options.monitors.pruneDeliveries(before);
    const pruned = [runs > 0 ? `${runs} run(s)` : '', alerts > 0 ? `${alerts} sent alert(s)` : ''].filter(Boolean);
    if (pruned.length) this.options.log(`pruned ${pruned.join(' and ')} older than ${this.options.retentionDays} day(s)`);
    return { runs, alerts };
  }

  /** Resolves when finished runs are observed, sampled runs scored and alerts delivered (tests). */
  async settled(): Promise<void> {
    // The run manager hands a run over on the tick after it is recorded.
    await new Promise((resolve) => setImmediate(resolve));
    await this.monitorRunner.drained();
    await Promise.all(this.restoring);
    await Promise.all(this.claims);
    await this.outbox.idle();
  }

  private scored(score: MonitorScore) {
    // A run sampled before its monitor was removed or switched off is still scored (and stored), but not reported.
    if (!this.monitorRunner.scores(score.pipeline, score.monitor)) return;
    const key = `${score.pipeline}\u0000${score.monitor}`;
    let recent = this.rolling.get(key);
    if (!recent) this.rolling.set(key, (recent = { scores: [], sum: 0 }));
    recent.scores.push(score.score);
    recent.sum += score.score;
    if (recent.scores.length > ROLLING_SCORES) recent.sum -= recent.scores.shift()!;
    this.prometheus.setMonitorScore(score.pipeline, score.monitor, recent.sum / recent.scores.length);
    if (this.alerts.watches(score.pipeline)) this.alert({ kind: 'score', score });
  }

  /**
   * Scaled out: alert rules read the runs and scores every server observes (a
   * stream in Redis) rather than this server's alone, and a change of state is
   * posted by one server. Made by the server once its queue is up.
   */
  shareAlertWindows(make: (feed: (sample: AlertSample) => void) => SharedAlertWindows): SharedAlertWindows {
    this.shared = make((sample) => this.evaluate(sample));
    return this.shared;
  }

  /** A run or score of a pipeline a rule watches, for the rules: here, or (scaled out) to every server, this one included. */
  private alert(sample: AlertSample) {
    if (this.shared?.open) this.shared.publish(sample);
    else this.evaluate(sample);
  }

  private evaluate(sample: AlertSample) {
    if (sample.kind === 'run') this.alerts.observeRun(sample.run);
    else this.alerts.observeScore(sample.score);
  }

  /** A rule changed state: posted from here, unless (scaled out) another server claimed the change first. */
  private changed(rule: AlertRuleSpec, payload: AlertPayload) {
    const shared = this.shared;
    if (!shared?.open) return this.outbox.post(rule, payload);
    const claim = shared.claim(payload.pipeline, rule, payload.state).then((mine) => mine && this.outbox.post(rule, payload));
    this.claims.add(claim);
    void claim.finally(() => this.claims.delete(claim));
  }

  private deliver(rule: AlertRuleSpec, payload: AlertPayload): Promise<void> {
    return deliverAlert(
      this.options.monitors,
      { pipeline: payload.pipeline, rule: rule.name, state: payload.state, payload: payload as unknown as Record<string, unknown>, webhook: rule.webhook },
      { backoffMs: this.options.webhookBackoffMs, log: this.options.log, env: this.options.env, signal: this.stopping.signal, resolve: this.options.webhookResolve },
    ).catch((err: Error) => this.options.log(`alert "${rule.name}": ${err.message}`));
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    clearInterval(this.syncTimer);
    await this.monitorRunner.close();
    await Promise.all(this.restoring);
    // After the monitors (a last score may fire an alert), before the store closes (each delivery records how it ended).
    await Promise.all(this.claims);
    this.stopping.abort();
    await this.outbox.idle();
    await this.options.monitors.flush();
    await this.writer.close();
    await this.traces?.shutdown().catch((err: Error) => this.options.log(`could not flush OpenTelemetry traces: ${err.message}`));
  }
}
