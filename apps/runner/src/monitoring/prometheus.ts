import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { nodeTokens, type FinishedRunFacts } from './run-facts';

/** Masked label values remembered (they are bounded; past this many the memo starts again rather than grow). */
const MASKED_VALUES_KEPT = 10_000;

/** Run and node durations in seconds: from a fast offline node to a slow agent. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The runner's Prometheus metrics (prom-client, one registry per server so two
 * runners in one process do not share counters). Label values are bounded:
 * stored pipeline names, version numbers, labels, sources, node types and model
 * names — never run ids or inputs. A run of an unsaved document counts under
 * pipeline "(inline)".
 *
 * Every label value passes through the runner's redactor as it is counted: a
 * name checked when saved (a label) can still be a secret's value. The names
 * and help texts are ours and the rest are numbers, so the exposition holds
 * nothing else a secret could be in, and a scrape (every few seconds) costs no
 * pass over the whole text; each distinct value is masked once (memo).
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly runs = new Counter({
    name: 'patchbay_runs_total',
    help: 'Finished pipeline runs.',
    labelNames: ['pipeline', 'version', 'label', 'source', 'status'],
    registers: [this.registry],
  });
  private readonly runDuration = new Histogram({
    name: 'patchbay_run_duration_seconds',
    help: 'Pipeline run duration.',
    labelNames: ['pipeline', 'version', 'label', 'source'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly nodeDuration = new Histogram({
    name: 'patchbay_node_duration_seconds',
    help: 'Node execution duration.',
    labelNames: ['pipeline', 'node_type'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly modelCalls = new Counter({
    name: 'patchbay_model_calls_total',
    help: 'Nodes that called a model, by outcome.',
    labelNames: ['model', 'status'],
    registers: [this.registry],
  });
  private readonly modelTokens = new Counter({
    name: 'patchbay_model_tokens_total',
    help: 'Tokens models reported, by direction (input, output).',
    labelNames: ['model', 'direction'],
    registers: [this.registry],
  });
  private readonly modelCost = new Counter({
    name: 'patchbay_model_cost_usd_total',
    help: 'Estimated model cost in US dollars.',
    labelNames: ['model'],
    registers: [this.registry],
  });
  private readonly evalCases = new Counter({
    name: 'patchbay_eval_cases_total',
    help: 'Eval cases finished, by status.',
    labelNames: ['pipeline', 'status'],
    registers: [this.registry],
  });
  private readonly monitorScore = new Gauge({
    name: 'patchbay_monitor_score',
    help: 'The rolling mean score of a monitor over its recent sampled runs.',
    labelNames: ['pipeline', 'monitor'],
    registers: [this.registry],
  });

  /** Label value → as masked (redact is the runner's one redactor, fixed for its life). */
  private readonly masked = new Map<string, string>();

  constructor(private readonly redact: (text: string) => string = (text) => text) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A label value as the exposition may show it. */
  private value(text: string): string {
    let out = this.masked.get(text);
    if (out === undefined) {
      if (this.masked.size >= MASKED_VALUES_KEPT) this.masked.clear();
      out = this.redact(text);
      this.masked.set(text, out);
    }
    return out;
  }

  observeRun(run: FinishedRunFacts): void {
    const pipeline = this.value(run.pipeline ?? '(inline)');
    const version = run.version ? String(run.version) : '';
    const label = this.value(run.label ?? '');
    const source = this.value(run.source ?? '');
    this.runs.inc({ pipeline, version, label, source, status: run.status });
    this.runDuration.observe({ pipeline, version, label, source }, run.durationMs / 1000);
    for (const id in run.nodes) {
      const trace = run.nodes[id];
      if (trace.status !== 'succeeded' && trace.status !== 'failed') continue;
      this.nodeDuration.observe({ pipeline, node_type: this.value(trace.type) }, (trace.durationMs ?? 0) / 1000);
      if (!trace.model) continue;
      const model = this.value(trace.model);
      this.modelCalls.inc({ model, status: trace.status === 'failed' ? 'error' : 'ok' });
      const tokens = nodeTokens(trace);
      if (tokens.input) this.modelTokens.inc({ model, direction: 'input' }, tokens.input);
      if (tokens.output) this.modelTokens.inc({ model, direction: 'output' }, tokens.output);
      if (trace.costUsd) this.modelCost.inc({ model }, trace.costUsd);
    }
  }

  observeEvalCase(pipeline: string | null, status: string): void {
    this.evalCases.inc({ pipeline: this.value(pipeline ?? '(inline)'), status: this.value(status) });
  }

  setMonitorScore(pipeline: string, monitor: string, score: number): void {
    this.monitorScore.set({ pipeline: this.value(pipeline), monitor: this.value(monitor) }, score);
  }

  /** Stops reporting a monitor's score (removed or switched off: its last mean would stand for good). */
  removeMonitorScore(pipeline: string, monitor: string): void {
    this.monitorScore.remove({ pipeline: this.value(pipeline), monitor: this.value(monitor) });
  }

  /** The text exposition format, as `GET /metrics` serves it. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
