import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { ScorerType } from '../lib/api-types';
import { MONITORING_RANGES, type Route } from '../lib/route';
import { useApi } from '../components/ApiContext';
import { PipelineHeader } from '../components/PipelineHeader';
import { RunsBrowser } from '../runs/RunsBrowser';
import { SOURCES, type FixedFilter, type RunSourceName } from '../runs/run-filter';
import { AlertRulesEditor, RULE_FIELDS } from './AlertRulesEditor';
import { AlertsList } from './AlertsList';
import { draftToMonitor, draftToRule, monitorToDraft, ruleToDraft, type MonitorDraft, type RuleDraft } from './config-drafts';
import { createConfigStore } from './config-store';
import { MetricsCharts } from './MetricsCharts';
import { monitoringCalls, type AlertRuleSpec, type MonitorSpec } from './monitoring-api';
import { createMonitoringStore, type Bucket, type MonitoringData } from './monitoring-store';
import { MONITOR_FIELDS, MonitorsEditor } from './MonitorsEditor';
import { NodeTable } from './NodeTable';
import { RANGES, REFRESH_MS, stepText, timeText } from './time-window';
import './monitoring.css';

/** The sources the charts can show: eval cases and `patchbay run` (cli) runs are never counted (docs/monitoring.md). */
const CHARTED_SOURCES = SOURCES.filter((src) => src !== 'eval' && src !== 'cli');

type MonitoringRoute = Extract<Route, { page: 'monitoring' }>;

interface Props {
  route: MonitoringRoute;
  navigate(route: Route, options?: { replace?: boolean }): void;
}

/** The runs behind a chosen dot: its step, and its series (a version, a label, a monitor's version). */
function fixedFilterOf(bucket: Bucket, data: MonitoringData): FixedFilter {
  const { stepMs } = data.window;
  const version = /^v(\d+)$/.exec(bucket.key);
  const fixed: FixedFilter = { finishedFrom: bucket.t, finishedTo: bucket.t + stepMs, title: `${bucket.key} · ${stepText(bucket.t, stepMs)}` };
  if (bucket.monitor || data.by === 'version') {
    if (version) fixed.version = Number(version[1]);
  } else if (bucket.key !== '(none)') fixed.label = bucket.key;
  if (bucket.monitor) {
    fixed.monitor = bucket.monitor;
    fixed.title += ` · scored by ${bucket.monitor}`;
  }
  return fixed;
}

/** `/pipelines/NAME/monitoring`: the pipeline in production over time, its monitors, alert rules and alerts. */
export default function MonitoringPage({ route, navigate }: Props) {
  const base = useApi();
  const api = useMemo(() => monitoringCalls(base.client), [base]);
  const name = route.name;
  // one store per pipeline: the address seeds its range and grouping once, then the store leads and the address follows (below)
  const store = useMemo(() => createMonitoringStore(api, name, { range: route.range, by: route.by }), [api, name]); // eslint-disable-line react-hooks/exhaustive-deps
  const s = useStore(store);
  const monitors = useMemo(
    () => createConfigStore<MonitorDraft, MonitorSpec>({ listKey: 'monitors', fields: MONITOR_FIELDS, read: () => api.monitors(name), write: (m) => api.saveMonitors(name, m), toDraft: monitorToDraft, toSpec: draftToMonitor }),
    [api, name],
  );
  const rules = useMemo(
    () => createConfigStore<RuleDraft, AlertRuleSpec>({ listKey: 'rules', fields: RULE_FIELDS, read: () => api.alertRules(name), write: (r) => api.saveAlertRules(name, r), toDraft: ruleToDraft, toSpec: draftToRule }),
    [api, name],
  );
  const monitorNames = useStore(monitors, (m) => m.drafts.map((d) => d.name).filter(Boolean).join('\n'));
  const [scorerTypes, setScorerTypes] = useState<ScorerType[]>([]);
  const [labels, setLabels] = useState<string[]>([]);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    void store.getState().refresh();
    void monitors.getState().load();
    void rules.getState().load();
    base.evals.scorerTypes().then(setScorerTypes, () => setScorerTypes([]));
    api.labels(name).then(setLabels, () => setLabels([]));
  }, [store, monitors, rules, base, api, name]);

  // the address keeps the range and the grouping, so a reload or a shared link shows the same charts
  useEffect(() => {
    if (s.range !== (route.range ?? '24h') || s.by !== (route.by ?? 'version')) navigate({ page: 'monitoring', name, range: s.range, by: s.by }, { replace: true });
  }, [s.range, s.by, route.range, route.by, name, navigate]);

  useEffect(() => {
    if (!s.autoRefresh) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      void store.getState().refresh();
      setTick((n) => n + 1);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [s.autoRefresh, store]);

  const openRun = (id: string) => navigate({ page: 'pipeline', name, run: id });
  const fixed = s.bucket && s.data ? fixedFilterOf(s.bucket, s.data) : undefined;

  return (
    <div className="monitoring-page" data-testid="monitoring-page">
      <PipelineHeader name={name} view="monitoring" onGo={navigate} />
      <main className="monitoring-main">
        <div className="monitoring-controls" role="group" aria-label="What the charts show">
          <div className="segmented" role="group" aria-label="Time range">
            {MONITORING_RANGES.map((r) => (
              <button key={r} aria-pressed={s.range === r} title={RANGES[r].title} data-testid={`range-${r}`} onClick={() => s.setRange(r)}>
                {r}
              </button>
            ))}
          </div>
          {/* each select inside its label: a narrow window wraps the row between two controls, never between a name and its select */}
          <label className="inline">
            Lines per
            <select id="monitoring-by" className="compact" value={s.by} onChange={(e) => s.setBy(e.target.value as 'version' | 'label')} data-testid="monitoring-by">
              <option value="version">version</option>
              <option value="label">label</option>
            </select>
          </label>
          <label className="inline">
            Source
            <select id="monitoring-source" className="compact" value={s.source ?? ''} onChange={(e) => s.setSource((e.target.value || undefined) as RunSourceName | undefined)}>
              <option value="">all</option>
              {CHARTED_SOURCES.map((src) => (
                <option key={src}>{src}</option>
              ))}
            </select>
          </label>
          <label className="inline">
            <input type="checkbox" checked={s.autoRefresh} onChange={(e) => s.setAutoRefresh(e.target.checked)} data-testid="auto-refresh" /> Auto-refresh ({REFRESH_MS / 1000} s)
          </label>
          <button onClick={() => void s.refresh()} disabled={s.loading} data-testid="refresh-monitoring">
            {s.loading ? 'Loading…' : 'Refresh'}
          </button>
          <span className="spacer" />
          {s.data && (
            <span className="muted small" data-testid="monitoring-window">
              {timeText(s.data.window.from)} – {timeText(s.data.window.to)}, step {s.data.window.step}
            </span>
          )}
        </div>
        {s.error && (
          <p className="error-text" role="alert">
            Could not load the metrics: {s.error}
          </p>
        )}
        {!s.data && !s.error && <p className="muted">Loading…</p>}
        {s.data && (
          <div className="monitoring-grid">
            <MetricsCharts data={s.data} bucket={s.bucket} onPick={s.pick} />
            {fixed && (
              <section className="monitoring-card wide" aria-labelledby="bucket-heading" data-testid="bucket-runs">
                <div className="row">
                  <h2 id="bucket-heading">Runs that finished in {fixed.title}</h2>
                  <span className="spacer" />
                  <button onClick={() => s.pick(undefined)}>Close</button>
                </div>
                <RunsBrowser pipeline={name} fixed={fixed} refreshKey={tick} onOpen={openRun} />
              </section>
            )}
            <NodeTable series={s.data.nodes} />
            <MonitorsEditor store={monitors} scorerTypes={scorerTypes} onSaved={() => void s.refresh()} />
            <AlertRulesEditor store={rules} monitors={monitorNames ? monitorNames.split('\n') : []} labels={labels} />
            <AlertsList alerts={s.data.alerts} onOpenRun={openRun} />
          </div>
        )}
      </main>
    </div>
  );
}
