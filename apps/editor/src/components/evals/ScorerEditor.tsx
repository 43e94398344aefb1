import type { ScorerType } from '../../lib/evals-api';
import { TextBox } from '../TextBox';
import { emptyDraft, paramKind, type ParamSchema, type ScorerDraft } from './scorer-draft';

export type { ScorerDraft } from './scorer-draft';

interface Props {
  types: ScorerType[];
  /** Output names and `node:<id>.<port>` of the chosen version. */
  targets: string[];
  /** Keys of the dataset's expected objects (`answer`, `doc`). */
  expectedKeys: string[];
  scorers: ScorerDraft[];
  onChange(scorers: ScorerDraft[]): void;
}

/** One input per param of the scorer type, shaped by its JSON Schema. */
function ParamInput({ id, name, schema, value, onChange }: { id: string; name: string; schema: ParamSchema; value: string; onChange(v: string): void }) {
  const kind = paramKind(name, schema);
  const fallback = schema.default === undefined ? '' : `default: ${JSON.stringify(schema.default)}`;
  if (kind === 'enum' || kind === 'boolean') {
    const options = kind === 'enum' ? (schema.enum ?? []).map(String) : ['true', 'false'];
    return (
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{fallback || 'not set'}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  }
  if (kind === 'code' || kind === 'json') {
    return <TextBox id={id} className="code" rows={2} style={{ minHeight: 0 }} value={value} placeholder={kind === 'json' ? 'JSON' : fallback} onText={onChange} />;
  }
  const placeholder = kind === 'value' ? 'text, or a JSON list' : fallback;
  return <input id={id} type={kind === 'number' ? 'number' : 'text'} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />;
}

/** The scorers of a new eval: type (from the runner's catalogue), name, target, expected key, threshold and each param. */
export function ScorerEditor({ types, targets, expectedKeys, scorers, onChange }: Props) {
  const update = (i: number, patch: Partial<ScorerDraft>) => onChange(scorers.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  return (
    <div className="scorers" data-testid="scorer-editor">
      <datalist id="scorer-targets">
        {targets.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <datalist id="scorer-expected-keys">
        {expectedKeys.map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
      <h3>Scorers</h3>
      {scorers.map((s, i) => {
        const type = types.find((t) => t.type === s.type);
        const params = Object.entries((type?.paramsSchema.properties ?? {}) as Record<string, ParamSchema>);
        const id = (field: string) => `scorer-${i}-${field}`;
        return (
          <div key={i} className="scorer-row" data-testid={`scorer-${i}`}>
            <div className="form-grid">
              <div>
                <label htmlFor={id('type')}>Type</label>
                <select id={id('type')} value={s.type} data-testid={`scorer-type-${i}`} onChange={(e) => update(i, { type: e.target.value, params: {} })}>
                  {types.map((t) => (
                    <option key={t.type} value={t.type}>
                      {t.type}
                    </option>
                  ))}
                </select>
              </div>
              <div>
                <label htmlFor={id('name')}>Name</label>
                <input id={id('name')} value={s.name} placeholder={s.type} onChange={(e) => update(i, { name: e.target.value })} />
              </div>
              <div>
                <label htmlFor={id('target')}>Target</label>
                <input
                  id={id('target')}
                  value={s.target}
                  list="scorer-targets"
                  disabled={type?.readsTarget === false}
                  placeholder={type?.readsTarget === false ? 'reads the run' : 'the only output'}
                  onChange={(e) => update(i, { target: e.target.value })}
                />
              </div>
              <div>
                <label htmlFor={id('expectedKey')}>Expected key</label>
                <input
                  id={id('expectedKey')}
                  data-testid={`scorer-expected-key-${i}`}
                  value={s.expectedKey}
                  list="scorer-expected-keys"
                  disabled={type?.needsExpected === false}
                  placeholder={expectedKeys.length ? 'the whole expected value' : 'not needed: expected is plain'}
                  onChange={(e) => update(i, { expectedKey: e.target.value })}
                />
              </div>
              <div>
                <label htmlFor={id('threshold')}>Threshold</label>
                <input id={id('threshold')} value={s.threshold} placeholder={String(type?.defaultThreshold ?? 1)} onChange={(e) => update(i, { threshold: e.target.value })} />
              </div>
            </div>
            {type && <p className="muted">{type.description}</p>}
            {params.length > 0 && (
              <div className="form-grid" data-testid={`scorer-params-${i}`}>
                {params.map(([key, schema]) => (
                  <div key={key}>
                    <label htmlFor={id(`param-${key}`)} title={schema.description}>
                      {key}
                    </label>
                    <ParamInput id={id(`param-${key}`)} name={key} schema={schema} value={s.params[key] ?? ''} onChange={(v) => update(i, { params: { ...s.params, [key]: v } })} />
                  </div>
                ))}
              </div>
            )}
            <button className="danger" aria-label={`Remove scorer ${i + 1}`} disabled={scorers.length === 1} onClick={() => onChange(scorers.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        );
      })}
      <button data-testid="add-scorer" onClick={() => onChange([...scorers, emptyDraft(types[0]?.type ?? 'exact')])}>
        Add scorer
      </button>
    </div>
  );
}
