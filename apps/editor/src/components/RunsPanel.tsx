import { useEffect, useState } from 'react';
import type { RunSummary } from '../lib/api';
import { useApi } from './ApiContext';

/** Past runs of this pipeline, newest first; Open shows one on the canvas with every node's state. */
export default function RunsPanel({ name, refreshKey, shown, onOpen }: { name: string; refreshKey: number; shown?: string; onOpen(id: string): void }) {
  const api = useApi();
  const [runs, setRuns] = useState<RunSummary[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.listRuns(name, 50).then(setRuns, (err: Error) => setError(err.message));
  }, [api, name, refreshKey]);
  if (error) return <p className="error-text">{error}</p>;
  if (!runs) return <p className="muted">Loading runs…</p>;
  if (runs.length === 0) return <p className="muted">No runs of a saved version yet.</p>;
  return (
    <div data-testid="runs-panel">
      {runs.map((run) => (
        <div key={run.id} className="run-row" data-testid={`run-${run.id}`}>
          <span className={`status ${run.status}`}>{run.status}</span>
          <code>{run.id.slice(0, 12)}</code>
          {run.version ? <span>v{run.version}</span> : <span className="muted">unsaved</span>}
          <span className="muted" style={{ flex: 1 }}>
            {run.startedAt ? new Date(run.startedAt).toLocaleString() : ''}
            {run.durationMs != null ? ` · ${run.durationMs} ms` : ''}
          </span>
          {run.error && <span className="error-text">{run.error.slice(0, 80)}</span>}
          {run.id === shown ? (
            <span className="badge">shown</span>
          ) : (
            <button data-testid={`open-run-${run.id}`} onClick={() => onOpen(run.id)}>
              Open
            </button>
          )}
        </div>
      ))}
    </div>
  );
}
