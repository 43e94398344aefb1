import { useEffect, useState } from 'react';
import { count } from '../lib/count';
import { useApi } from './ApiContext';

const OTHER = '__other__';

interface IndexInfo {
  name: string;
  chunks: number;
  embeddingModel: string | null;
}

/**
 * A retrieval index field: pick one of the runner's indexes (`GET /api/indexes`), or type a name
 * (an index made later, e.g. by `patchbay index` on another machine).
 */
export function IndexPicker({ id, value, disabled, onChange }: { id: string; value: string; disabled?: boolean; onChange(name: string): void }) {
  const api = useApi();
  const [indexes, setIndexes] = useState<IndexInfo[]>();
  // a list that could not be loaded is not an empty list: the field says which it is
  const [failure, setFailure] = useState<string>();
  const [typing, setTyping] = useState(false);
  useEffect(() => {
    let live = true;
    api.listIndexes().then(
      (list) => live && setIndexes(list),
      (err: unknown) => {
        if (!live) return;
        setFailure(err instanceof Error ? err.message : String(err));
        setIndexes([]);
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const known = indexes?.some((i) => i.name === value) ?? false;
  // a name that is not one of the runner's indexes is shown as typed text
  const other = typing || (value !== '' && indexes !== undefined && !known);
  return (
    <>
      <select
        id={id}
        data-testid={`field-${id}`}
        value={other ? OTHER : value}
        disabled={disabled || indexes === undefined}
        onChange={(e) => {
          if (e.target.value === OTHER) return setTyping(true);
          setTyping(false);
          onChange(e.target.value);
        }}
      >
        <option value="">{indexes === undefined ? 'Loading indexes…' : '— choose an index —'}</option>
        {indexes?.map((i) => (
          <option key={i.name} value={i.name}>
            {i.name} ({count(i.chunks, 'chunk')}
            {i.embeddingModel ? `, vectors by ${i.embeddingModel}` : ', keyword only'})
          </option>
        ))}
        {/* a name typed in before (not one of the runner's indexes) stays a choice */}
        <option value={OTHER}>Other (type a name)…</option>
      </select>
      {other && (
        <input data-testid={`field-${id}-custom`} aria-label="Index name" placeholder="docs" value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} />
      )}
      {failure !== undefined && (
        <p className="muted" role="alert" data-testid={`field-${id}-error`}>
          Could not load the runner’s indexes: {failure}
        </p>
      )}
      {failure === undefined && indexes !== undefined && indexes.length === 0 && (
        <p className="muted" data-testid={`field-${id}-none`}>
          The runner has no index yet: <code>patchbay index NAME FILES…</code> makes one.
        </p>
      )}
      {other && value !== '' && failure === undefined && indexes !== undefined && !known && <p className="muted">The runner has no index named “{value}” yet.</p>}
    </>
  );
}
