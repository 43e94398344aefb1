import { useStore } from 'zustand';
import { SpecField } from './SpecField';
import { ListFooter, RowControls } from './ConfigListControls';
import { newRule, type RuleDraft } from './config-drafts';
import { problemKey, type ConfigStore } from './config-store';

export const RULE_FIELDS = ['name', 'metric', 'window', 'op', 'threshold', 'webhook', 'label', 'enabled'] as const;

interface Props {
  store: ConfigStore<RuleDraft>;
  /** The saved monitors' names: `monitor:NAME` is a metric too. */
  monitors: string[];
  labels: string[];
}

/** The pipeline's alert rules: add, edit, switch off or remove, then Save (one PUT of the list; admin only). */
export function AlertRulesEditor({ store, monitors, labels }: Props) {
  const s = useStore(store);
  const metrics = (current: string) => [...new Set(['errorRate', 'p95Ms', 'costUsd', ...monitors.map((m) => `monitor:${m}`), current])];
  return (
    <section className="monitoring-card" aria-labelledby="rules-heading" data-testid="rules-editor">
      <h2 id="rules-heading">Alert rules</h2>
      <p className="muted">When a rule's rolling value crosses its threshold the runner posts one alert to the webhook, and one more when it recovers.</p>
      <datalist id="rule-labels">
        {labels.map((l) => (
          <option key={l} value={l} />
        ))}
      </datalist>
      {!s.loaded && <p className="muted">Loading…</p>}
      {s.loaded && s.drafts.length === 0 && <p className="muted">No alert rules yet.</p>}
      {s.drafts.map((d, i) => {
        const id = (field: string) => `rule-${i}-${field}`;
        const problem = (field: (typeof RULE_FIELDS)[number]) => s.problems[problemKey(i, field)];
        const set = (patch: Partial<RuleDraft>) => s.update(i, patch);
        return (
          <fieldset key={i} className="config-row" data-testid={`rule-${i}`}>
            <legend>{d.name || `Rule ${i + 1}`}</legend>
            {s.problems[problemKey(i)] && <p className="error-text">{s.problems[problemKey(i)]}</p>}
            <div className="form-grid">
              <SpecField id={id('name')} label="Name" problem={problem('name')}>
                <input value={d.name} placeholder="errors-high" onChange={(e) => set({ name: e.target.value })} />
              </SpecField>
              <SpecField id={id('metric')} label="Metric" problem={problem('metric')}>
                <select value={d.metric} onChange={(e) => set({ metric: e.target.value })}>
                  {metrics(d.metric).map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </SpecField>
              <SpecField id={id('op')} label="When" problem={problem('op')}>
                <select value={d.op} onChange={(e) => set({ op: e.target.value as RuleDraft['op'] })}>
                  <option value="above">above</option>
                  <option value="below">below</option>
                </select>
              </SpecField>
              <SpecField id={id('threshold')} label="Threshold" problem={problem('threshold')}>
                <input value={d.threshold} inputMode="decimal" placeholder={d.metric === 'errorRate' ? '0.1' : d.metric === 'p95Ms' ? '2000' : ''} onChange={(e) => set({ threshold: e.target.value })} />
              </SpecField>
              <SpecField id={id('window')} label="Window (runs, or 5m, 1h…)" problem={problem('window')}>
                <input value={d.window} onChange={(e) => set({ window: e.target.value })} />
              </SpecField>
              <SpecField id={id('label')} label="Label" problem={problem('label')}>
                <input value={d.label} list="rule-labels" placeholder="all traffic" onChange={(e) => set({ label: e.target.value })} />
              </SpecField>
            </div>
            <SpecField id={id('webhook')} label="Webhook URL or ${NAME}" problem={problem('webhook')}>
              <input value={d.webhook} placeholder="https://hooks.example.com/patchbay or ${ALERT_WEBHOOK_URL}" onChange={(e) => set({ webhook: e.target.value })} />
            </SpecField>
            <RowControls enabled={d.enabled} onEnabled={(enabled) => set({ enabled })} onRemove={() => s.remove(i)} enabledTestId={`rule-${i}-enabled`} removeLabel={`Remove rule ${d.name || i + 1}`} />
          </fieldset>
        );
      })}
      <ListFooter state={s} add={{ label: 'Add rule', testId: 'add-rule', onAdd: () => s.add(newRule()) }} save={{ label: 'Save rules', testId: 'save-rules', onSave: () => void s.save() }} />
    </section>
  );
}
