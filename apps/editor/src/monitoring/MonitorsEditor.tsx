import { useStore } from 'zustand';
import { TextBox } from '../components/TextBox';
import type { ScorerType } from '../lib/api-types';
import { SpecField } from './SpecField';
import { ListFooter, RowControls } from './ConfigListControls';
import { newMonitor, type MonitorDraft } from './config-drafts';
import { problemKey, type ConfigStore } from './config-store';

export const MONITOR_FIELDS = ['name', 'scorer.type', 'scorer.target', 'scorer.params', 'scorer.threshold', 'sample', 'labels', 'sources', 'enabled'] as const;

/** A params example from the type's JSON Schema: `{"pattern": "…"}`. */
function paramsHint(type: ScorerType | undefined): string | undefined {
  const names = Object.keys(type?.paramsSchema.properties ?? {});
  return names.length ? `JSON with ${names.join(', ')}` : undefined;
}

interface Props {
  store: ConfigStore<MonitorDraft>;
  scorerTypes: ScorerType[];
  onSaved(): void;
}

/** The pipeline's monitors: add, edit, switch off or remove, then Save (one PUT of the list). */
export function MonitorsEditor({ store, scorerTypes, onSaved }: Props) {
  const s = useStore(store);
  const save = async () => {
    if (await s.save()) onSaved();
  };
  return (
    <section className="monitoring-card" aria-labelledby="monitors-heading" data-testid="monitors-editor">
      <h2 id="monitors-heading">Monitors</h2>
      <p className="muted">
        Each monitor scores a sample of finished runs with a scorer that needs no expected value, after the answer has gone out. Scores are charted per version above and filter the Runs list.
      </p>
      {!s.loaded && <p className="muted">Loading…</p>}
      {s.loaded && s.drafts.length === 0 && <p className="muted">No monitors yet.</p>}
      {s.drafts.map((d, i) => {
        const id = (field: string) => `monitor-${i}-${field.replace('.', '-')}`;
        const problem = (field: (typeof MONITOR_FIELDS)[number]) => s.problems[problemKey(i, field)];
        const type = scorerTypes.find((t) => t.type === d.type);
        const set = (patch: Partial<MonitorDraft>) => s.update(i, patch);
        return (
          <fieldset key={i} className="config-row" data-testid={`monitor-${i}`}>
            <legend>{d.name || `Monitor ${i + 1}`}</legend>
            {s.problems[problemKey(i)] && <p className="error-text">{s.problems[problemKey(i)]}</p>}
            <div className="form-grid">
              <SpecField id={id('name')} label="Name" problem={problem('name')}>
                <input value={d.name} placeholder="grounded" onChange={(e) => set({ name: e.target.value })} />
              </SpecField>
              <SpecField id={id('scorer.type')} label="Scorer" problem={problem('scorer.type')}>
                <select value={d.type} onChange={(e) => set({ type: e.target.value, params: '{}' })}>
                  {[...new Set([...scorerTypes.map((t) => t.type), d.type])].map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              </SpecField>
              <SpecField id={id('sample')} label="Sample (0..1)" problem={problem('sample')}>
                <input value={d.sample} inputMode="decimal" onChange={(e) => set({ sample: e.target.value })} />
              </SpecField>
              <SpecField id={id('scorer.threshold')} label="Pass mark" problem={problem('scorer.threshold')}>
                <input value={d.threshold} inputMode="decimal" placeholder={String(type?.defaultThreshold ?? '')} onChange={(e) => set({ threshold: e.target.value })} />
              </SpecField>
              <SpecField id={id('scorer.target')} label="Target" problem={problem('scorer.target')}>
                <input value={d.target} placeholder={type?.readsTarget === false ? 'reads the run' : 'the only output'} onChange={(e) => set({ target: e.target.value })} />
              </SpecField>
              <SpecField id={id('labels')} label="Labels (comma-separated)" problem={problem('labels')}>
                <input value={d.labels} placeholder="all traffic" onChange={(e) => set({ labels: e.target.value })} />
              </SpecField>
              <SpecField id={id('sources')} label="Sources (comma-separated)" problem={problem('sources')}>
                <input value={d.sources} placeholder="all sources" onChange={(e) => set({ sources: e.target.value })} />
              </SpecField>
            </div>
            {type && <p className="muted small">{type.description}</p>}
            <SpecField id={id('scorer.params')} label="Params" problem={problem('scorer.params')} hint={paramsHint(type)}>
              <TextBox className="code" rows={2} value={d.params} onText={(params) => set({ params })} />
            </SpecField>
            <RowControls enabled={d.enabled} onEnabled={(enabled) => set({ enabled })} onRemove={() => s.remove(i)} enabledTestId={`monitor-${i}-enabled`} removeLabel={`Remove monitor ${d.name || i + 1}`} />
          </fieldset>
        );
      })}
      <ListFooter
        state={s}
        add={{ label: 'Add monitor', testId: 'add-monitor', onAdd: () => s.add(newMonitor(scorerTypes.find((t) => !t.needsExpected)?.type ?? 'json-valid')) }}
        save={{ label: 'Save monitors', testId: 'save-monitors', onSave: () => void save() }}
      />
    </section>
  );
}
