import { useEffect, useState } from 'react';
import type { RunSummary } from '../lib/api';
import { useApi } from './ApiContext';
import { Dialog } from './Dialog';

/** How many earlier runs the picker offers. */
const RECENT = 20;

const describeRun = (run: RunSummary, last: string | undefined) =>
  [
    new Date(run.startedAt).toLocaleString(),
    run.status,
    run.version ? `v${run.version}` : 'unsaved draft',
    run.source === 'editor' ? null : run.source,
    run.from ? `from ${run.from.node}` : null,
    run.id === last ? 'last run' : null,
  ]
    .filter(Boolean)
    .join(' · ');

/**
 * "Run from here": which earlier run's recorded outputs feed the node's upstream ports. Lists
 * this pipeline's recent finished runs (newest first, with when, status and version); the
 * editor's last run is chosen unless the user picks another.
 */
export function RunFromDialog({ pipeline, node, lastRun, onRun, onClose }: { pipeline: string; node: string; lastRun: string | undefined; onRun(runId: string): void; onClose(): void }) {
  const api = useApi();
  const [runs, setRuns] = useState<RunSummary[]>();
  const [error, setError] = useState<string>();
  const [chosen, setChosen] = useState<string>();
  useEffect(() => {
    let live = true;
    api.listRuns(pipeline, RECENT).then(
      (list) => {
        if (!live) return;
        const finished = list.filter((r) => r.status !== 'running');
        setRuns(finished);
        setChosen((c) => c ?? (finished.some((r) => r.id === lastRun) ? lastRun : finished[0]?.id));
      },
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [api, pipeline, lastRun]);

  return (
    <Dialog title={`Run from ${node}`} testId="run-from-dialog" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen) {
            onRun(chosen);
            onClose();
          }
        }}
      >
        <p className="muted">
          Re-runs {node} and everything downstream of it. The nodes upstream are not run: they reuse the outputs the chosen run recorded, and cost nothing.
        </p>
        {error && <p className="error-text">{error}</p>}
        {!runs && !error && <p className="muted">Loading runs…</p>}
        {runs && runs.length === 0 && (
          <p className="error-text" data-testid="run-from-none">
            No earlier run of {pipeline} to reuse: run the pipeline once first.
          </p>
        )}
        {runs && runs.length > 0 && (
          <>
            <label htmlFor="run-from-run">Reuse the outputs of</label>
            <select id="run-from-run" data-testid="run-from-select" value={chosen ?? ''} onChange={(e) => setChosen(e.target.value)}>
              {runs.map((run) => (
                <option key={run.id} value={run.id}>
                  {describeRun(run, lastRun)}
                </option>
              ))}
            </select>
          </>
        )}
        <div className="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="run-from-confirm" disabled={!chosen}>
            Run from {node}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
