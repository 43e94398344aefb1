import type { MonitorStore } from '../store/monitors';
import type { RunStore } from '../store/runs';
import { MAX_WINDOW_SAMPLES, type AlertEvaluator, type AlertRunSample } from './alert-rules';
import { OBSERVED_SOURCES, windowOf } from './monitor-spec';

/**
 * Fills the windows of a pipeline's rules in effect with what they would have seen had they been in effect
 * all along, read from the store: the latest runs monitoring sees (or a monitor's latest scores) of the
 * window, and each rule's state as its last alert said. A runner restarts at every deploy: without this
 * a "last 100 runs" rule was blind for 100 runs after each, and a rule firing at the stop posted `firing`
 * again for the same incident once its new window filled.
 */
export async function restoreAlertWindows(alerts: AlertEvaluator, pipeline: string, store: { runs: RunStore; monitors: MonitorStore }, now = Date.now()): Promise<void> {
  const rules = alerts.rulesOf(pipeline);
  if (rules.length === 0) return;
  const states = await store.monitors.lastAlertStates(pipeline);
  for (const rule of rules) {
    const window = windowOf(rule);
    const limit = 'runs' in window ? window.runs : MAX_WINDOW_SAMPLES;
    const since = 'ms' in window ? now - window.ms : undefined;
    const monitor = rule.metric.startsWith('monitor:') ? rule.metric.slice('monitor:'.length) : null;
    const runs: AlertRunSample[] = monitor
      ? []
      : (await store.runs.recentFinished({ pipeline, label: rule.label, limit, sources: OBSERVED_SOURCES, finishedSince: since })).map((r) => ({
          id: r.id,
          pipeline,
          version: r.version,
          label: r.label,
          status: r.status,
          durationMs: r.durationMs,
          costUsd: r.costUsd,
          at: r.finishedAt,
        }));
    const scores = monitor ? await store.monitors.recentScores({ pipeline, label: rule.label, limit, since, monitor }) : [];
    alerts.restore(pipeline, rule, { runs, scores, firing: states.get(rule.name) === 'firing' });
  }
}
