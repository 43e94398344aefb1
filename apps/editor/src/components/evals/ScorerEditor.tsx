import type { ScorerType } from '../../lib/evals-api';

/** A scorer as typed into the form; empty strings mean "not given". */
export interface ScorerDraft {
  type: string;
  name: string;
  target: string;
  threshold: string;
  /** JSON */
  params: string;
}

interface Props {
  types: ScorerType[];
  /** Output names and `node:<id>.<port>` of the chosen version. */
  targets: string[];
  scorers: ScorerDraft[];
  onChange(scorers: ScorerDraft[]): void;
}

/** The params a scorer type takes, as a hint: `value?, mode (any|all), ignoreCase`. */
function paramsHint(type: ScorerType | undefined): string {
  const props = type?.paramsSchema.properties ?? {};
  const required = new Set(type?.paramsSchema.required ?? []);
  const names = Object.entries(props).map(([key, p]) => `${key}${required.has(key) ? '' : '?'}${p.enum ? ` (${p.enum.join('|')})` : ''}`);
  return names.length ? `params: ${names.join(', ')}` : 'no params';
}

/** The scorers of a new eval: type (from the runner's catalogue), name, target, threshold and params. */
export function ScorerEditor({ types, targets, scorers, onChange }: Props) {
  const update = (i: number, patch: Partial<ScorerDraft>) => onChange(scorers.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  return (
    <div className="scorers" data-testid="scorer-editor">
      <datalist id="scorer-targets">
        {targets.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <h3>Scorers</h3>
      {scorers.map((s, i) => {
        const type = types.find((t) => t.type === s.type);
        return (
          <div key={i} className="scorer-row" data-testid={`scorer-${i}`}>
            <div className="form-grid">
              <div>
                <label>Type</label>
                <select value={s.type} data-testid={`scorer-type-${i}`} onChange={(e) => update(i, { type: e.target.value })}>
                  {types.map((t) => (
                    <option key={t.type} value={t.type}>
                      {t.type}
                    </option>
                  ))}
                </select>
              </div>
              <div>
                <label>Name</label>
                <input value={s.name} placeholder={s.type} onChange={(e) => update(i, { name: e.target.value })} />
              </div>
              <div>
                <label>Target</label>
                <input
                  value={s.target}
                  list="scorer-targets"
                  disabled={type?.readsTarget === false}
                  placeholder={type?.readsTarget === false ? 'reads the run' : 'the only output'}
                  onChange={(e) => update(i, { target: e.target.value })}
                />
              </div>
              <div>
                <label>Threshold</label>
                <input value={s.threshold} placeholder={String(type?.defaultThreshold ?? 1)} onChange={(e) => update(i, { threshold: e.target.value })} />
              </div>
            </div>
            {type && <p className="muted">{type.description}</p>}
            <label>Params (JSON)</label>
            <textarea className="code" rows={2} style={{ minHeight: 0 }} value={s.params} placeholder={paramsHint(type)} onChange={(e) => update(i, { params: e.target.value })} />
            <button className="danger" disabled={scorers.length === 1} onClick={() => onChange(scorers.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        );
      })}
      <button data-testid="add-scorer" onClick={() => onChange([...scorers, { type: types[0]?.type ?? 'exact', name: '', target: '', threshold: '', params: '' }])}>
        Add scorer
      </button>
    </div>
  );
}
