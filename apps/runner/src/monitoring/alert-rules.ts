import type { MonitorScore } from '../store/monitors';
import { windowOf, type AlertRuleSpec } from './monitor-spec';
import { isErrorStatus, type FinishedRunFacts } from './run-facts';

/** What alert rules read of a finished run: all of it fits in a line of a Redis stream (shared-alert-windows.ts). */
export interface AlertRunSample {
  id: string;
  pipeline: string;
  version: number | null;
  label: string | null;
  status: FinishedRunFacts['status'];
  durationMs: number;
  costUsd: number;
  /** When it was observed: a duration window counts back from it. */
  at: number;
}

/** A finished run of a stored pipeline as alert rules read it; null for an inline document's run (no rules). */
export function alertSampleOf(run: FinishedRunFacts, at = Date.now()): AlertRunSample | null {
  if (!run.pipeline) return null;
  const costUsd = Object.values(run.nodes).reduce((sum, n) => sum + (n.costUsd ?? 0), 0);
  return { id: run.id, pipeline: run.pipeline, version: run.version, label: run.label, status: run.status, durationMs: run.durationMs, costUsd, at };
}

interface Sample {
  at: number;
  runId: string;
  version: number | null;
  label: string | null;
  /** errorRate: 1 or 0; p95Ms: the run's ms; costUsd: its cost; monitor: the score. */
  value: number;
}

interface RuleState {
  firing: boolean;
  samples: Sample[];
  /** The runs in `samples`: scaled out, a sample published again (its reply lost as the connection to Redis dropped) is read twice. */
  runIds: Set<string>;
}

/** What an alert (or its recovery) says; posted to the rule's webhook. */
export interface AlertPayload {
  rule: string;
  pipeline: string;
  state: 'firing' | 'recovered';
  metric: string;
  op: 'above' | 'below';
  label: string | null;
  version: number | null;
  value: number;
  threshold: number;
  window: number | string;
  at: string;
  runs: string[];
}

/** The most runs (or scores) a window holds: a count window's largest size, and the cap of a duration window. */
export const MAX_WINDOW_SAMPLES = 10_000;

/** What a finished run adds to a rule's window, or null when the rule does not read it. */
function runSample(rule: AlertRuleSpec, run: AlertRunSample): Sample | null {
  if (rule.metric.startsWith('monitor:') || (rule.label && rule.label !== run.label) || run.status === 'cancelled') return null;
  const value = rule.metric === 'errorRate' ? (isErrorStatus(run.status) ? 1 : 0) : rule.metric === 'p95Ms' ? run.durationMs : run.costUsd;
  return { at: run.at, runId: run.id, version: run.version, label: run.label, value };
}

/** What a monitor's score adds to a rule's window, or null when the rule does not read it. */
function scoreSample(rule: AlertRuleSpec, score: MonitorScore): Sample | null {
  if (rule.metric !== `monitor:${score.monitor}` || (rule.label && rule.label !== score.label)) return null;
  return { at: score.at, runId: score.runId, version: score.version, label: score.label, value: score.score };
}

/** Rolling value of a window: error rate, p95 of run latency, total cost, or a monitor's mean score. */
function windowValue(metric: string, samples: Sample[]): number {
  const values = samples.map((s) => s.value);
  if (metric === 'p95Ms') {
    const sorted = values.sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)];
  }
  const sum = values.reduce((a, b) => a + b, 0);
  return metric === 'costUsd' ? sum : sum / values.length;
}

/**
 * Alert rules over rolling windows (the last N runs or scores, or a duration),
 * fed as runs finish and as monitors score. A rule fires once when its value
 * crosses the threshold and once more when it recovers; in between it stays
 * quiet. A count window decides only once it is full. State lives in memory,
 * and is put back from the store (restore) when a rule is put in effect.
 */
export class AlertEvaluator {
  private rules = new Map<string, AlertRuleSpec[]>();
  private readonly state = new Map<string, RuleState>();

  constructor(private readonly fire: (rule: AlertRuleSpec, payload: AlertPayload) => void) {}

  set(pipeline: string, all: AlertRuleSpec[]): void {
    for (const key of [...this.state.keys()]) if (key.startsWith(`${pipeline}\u0000`)) this.state.delete(key);
    const rules = all.filter((r) => r.enabled !== false);
    if (rules.length) this.rules.set(pipeline, rules);
    else this.rules.delete(pipeline);
  }

  /** Whether any rule in effect here reads `pipeline`'s runs or scores. */
  watches(pipeline: string): boolean {
    return this.rules.has(pipeline);
  }

  observeRun(run: AlertRunSample): void {
    for (const rule of this.rules.get(run.pipeline) ?? []) {
      const sample = runSample(rule, run);
      if (sample) this.add(run.pipeline, rule, sample);
    }
  }

  observeScore(score: MonitorScore): void {
    for (const rule of this.rules.get(score.pipeline) ?? []) {
      const sample = scoreSample(rule, score);
      if (sample) this.add(score.pipeline, rule, sample);
    }
  }

  /** The rules in effect for a pipeline now (a restore is for one of these objects, or it is stale). */
  rulesOf(pipeline: string): readonly AlertRuleSpec[] {
    return this.rules.get(pipeline) ?? [];
  }

  /**
   * Puts back what a rule saw before it was put in effect (alert-history.ts reads it from the store): the
   * runs or scores go before those observed since, and the rule is in the state its last alert said, unless
   * it has decided here already. Nothing is posted: the next run or score decides, as always.
   */
  restore(pipeline: string, rule: AlertRuleSpec, past: { runs: AlertRunSample[]; scores: MonitorScore[]; firing: boolean }): void {
    if (!this.rules.get(pipeline)?.includes(rule)) return; // the rules changed while the past was read
    const key = `${pipeline}\u0000${rule.name}`;
    let state = this.state.get(key);
    if (!state) this.state.set(key, (state = { firing: past.firing, samples: [], runIds: new Set() }));
    else if (state.samples.length === 0) state.firing = past.firing;
    const older: Sample[] = [];
    for (const run of past.runs) {
      const sample = runSample(rule, run);
      if (sample && !state.runIds.has(sample.runId)) older.push(sample);
    }
    for (const score of past.scores) {
      const sample = scoreSample(rule, score);
      if (sample && !state.runIds.has(sample.runId)) older.push(sample);
    }
    for (const sample of older) state.runIds.add(sample.runId);
    state.samples.unshift(...older);
    const window = windowOf(rule);
    const keep = 'runs' in window ? window.runs : MAX_WINDOW_SAMPLES;
    if ('ms' in window && state.samples.length > 0) {
      const since = Math.max(...state.samples.map((s) => s.at)) - window.ms;
      this.drop(state, state.samples.filter((s) => s.at <= since));
    }
    if (state.samples.length > keep) this.drop(state, state.samples.slice(0, state.samples.length - keep));
  }

  private drop(state: RuleState, gone: Sample[]) {
    const out = new Set(gone);
    state.samples = state.samples.filter((s) => !out.has(s));
    for (const s of gone) state.runIds.delete(s.runId);
  }

  private add(pipeline: string, rule: AlertRuleSpec, sample: Sample) {
    const key = `${pipeline}\u0000${rule.name}`;
    let state = this.state.get(key);
    if (!state) this.state.set(key, (state = { firing: false, samples: [], runIds: new Set() }));
    if (state.runIds.has(sample.runId)) return;
    state.runIds.add(sample.runId);
    const { samples, runIds } = state;
    const drop = (start: number, count: number) => {
      for (const gone of samples.splice(start, count)) runIds.delete(gone.runId);
    };
    const window = windowOf(rule);
    if ('runs' in window) {
      // The last N in the order samples arrive (scaled out, the stream's order: a run kept through a Redis outage counts among the latest).
      samples.push(sample);
      if (samples.length > window.runs) drop(0, samples.length - window.runs);
      if (samples.length < window.runs) return;
    } else {
      // By each sample's own time: scaled out, what a server kept through a Redis outage arrives after newer samples of others.
      let i = samples.length;
      while (i > 0 && samples[i - 1].at > sample.at) i--;
      samples.splice(i, 0, sample);
      const since = samples[samples.length - 1].at - window.ms;
      // One already outside the window before the newest changes nothing.
      if (sample.at <= since) {
        drop(i, 1);
        return;
      }
      const firstKept = samples.findIndex((s) => s.at > since);
      if (firstKept > 0) drop(0, firstKept);
      // A long window over a busy pipeline would keep every run of it, and read them all at each run.
      if (samples.length > MAX_WINDOW_SAMPLES) drop(0, samples.length - MAX_WINDOW_SAMPLES);
    }
    const value = windowValue(rule.metric, state.samples);
    const crossed = rule.op === 'above' ? value > rule.threshold : value < rule.threshold;
    if (crossed === state.firing) return;
    state.firing = crossed;
    this.fire(rule, {
      rule: rule.name,
      pipeline,
      state: crossed ? 'firing' : 'recovered',
      metric: rule.metric,
      op: rule.op,
      label: sample.label,
      version: sample.version,
      value,
      threshold: rule.threshold,
      window: rule.window,
      at: new Date(sample.at).toISOString(),
      runs: state.samples.slice(-5).map((s) => s.runId),
    });
  }
}
