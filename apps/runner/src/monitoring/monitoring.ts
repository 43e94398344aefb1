import type { RollupStore } from '../store/rollups';
import { queryMetrics, type MetricsQuery } from './metrics-query';
import { createRunTraceExporter, type RunTraceExporter } from './otel-traces';
import { PrometheusMetrics } from './prometheus';
import { RollupWriter } from './rollup-writer';
import type { FinishedRunFacts } from './run-facts';

export interface MonitoringOptions {
  rollups: RollupStore;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
  log: (line: string) => void;
}

/**
 * Everything that watches finished runs, fed once per run by the run manager:
 * per-minute rollups (for /api/metrics and the Monitoring view), Prometheus
 * counters (for /metrics) and, when an OTLP endpoint is set, OpenTelemetry
 * traces. None of it runs on the run's path: a run is answered before it is
 * observed, and an observer that throws is logged, never felt by the run.
 */
export class Monitoring {
  readonly prometheus = new PrometheusMetrics();
  private readonly writer: RollupWriter;

  private constructor(
    private readonly options: MonitoringOptions,
    private readonly traces: RunTraceExporter | null,
  ) {
    this.writer = new RollupWriter(options.rollups, (err) => options.log(`could not write metric rollups: ${err.message}`));
  }

  static async start(options: MonitoringOptions): Promise<Monitoring> {
    const traces = await createRunTraceExporter(options.env, options.redact);
    return new Monitoring(options, traces);
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
    } catch (err) {
      this.options.log(`monitoring could not observe run ${run.id}: ${(err as Error).message}`);
    }
  }

  observeEvalCase(pipeline: string | null, status: string): void {
    this.prometheus.observeEvalCase(pipeline, status);
  }

  /** Series over time; flushes what is pending first so a query sees every finished run. */
  async query(query: MetricsQuery) {
    await this.writer.flush();
    return queryMetrics(this.options.rollups, query);
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.traces?.shutdown().catch((err: Error) => this.options.log(`could not flush OpenTelemetry traces: ${err.message}`));
  }
}
