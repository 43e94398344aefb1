import { useState } from 'react';
import type { EvalListItem, EvalsApi } from '../../lib/evals-api';
import { useApi } from '../ApiContext';
import { useToast } from '../Toasts';
import { EvalForm } from './EvalForm';
import { ResultsTable } from './ResultsTable';
import { EvalGates } from './EvalGates';
import { passRateText } from './format';
import { defaultBaseline, orderByVersion } from './pick-baseline';
import { useEvalResult } from './use-eval-result';
import { count } from '../../lib/count';
import { LabelBadges } from '../../deploy/LabelBadges';
import { useLabels } from '../../deploy/use-labels';

interface Props {
  api: EvalsApi;
  name: string;
  history: EvalListItem[] | undefined;
  shown?: string;
  onShow(id: string): void;
  onStarted(id: string): void;
  onChanged(): void;
  onCompare(a: string, b: string): void;
  onOpenRun(runId: string): void;
}

/** A new eval, the pipeline's eval history, and the shown result with live progress while it runs. */
export function EvalsView(p: Props) {
  const pipelineApi = useApi();
  const toast = useToast();
  const labels = useLabels(p.name);
  const [generation, setGeneration] = useState(0);
  const { result, live, error } = useEvalResult(p.api, p.shown, p.onChanged, generation);

  const cancel = async (id: string) => {
    try {
      await p.api.cancelEval(id);
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };
  const resume = async (id: string) => {
    try {
      await p.api.resumeEval(id);
      setGeneration((g) => g + 1);
      p.onChanged();
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };

  // A → B reads older → newer version, whichever of the two was the baseline.
  const compareInOrder = (baselineId: string, e: EvalListItem) => {
    const base = p.history?.find((h) => h.id === baselineId);
    const [a, b] = base ? orderByVersion(base, e) : [undefined, e];
    p.onCompare(a?.id ?? baselineId, b.id);
  };

  return (
    <div className="evals-grid">
      <section className="evals-card">
        <h2>New eval</h2>
        <EvalForm api={p.api} pipelineApi={pipelineApi} name={p.name} history={p.history} onStarted={p.onStarted} />
      </section>

      <section className="evals-card">
        <h2>History</h2>
        {!p.history && <p className="muted">Loading…</p>}
        {p.history?.length === 0 && <p className="muted">No evals of this pipeline yet: choose a version, a dataset and scorers, then Run.</p>}
        {p.history && p.history.length > 0 && (
          <div className="table-scroll">
            <table className="evals-table" data-testid="eval-history">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Dataset</th>
                  <th>Status</th>
                  <th>Pass rate</th>
                  <th>Started</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.history.map((e) => {
                  const against = e.status === 'running' ? undefined : defaultBaseline(p.history!, e);
                  return (
                    <tr key={e.id} data-testid={`eval-row-${e.id}`} className={e.id === p.shown ? 'selected' : undefined}>
                      <td>
                        v{e.version ?? '?'} <LabelBadges labels={labels} version={e.version ?? undefined} />
                      </td>
                      <td>
                        {e.dataset.name} <span className="muted">({e.dataset.cases})</span>
                      </td>
                      <td>
                        <span className={`status ${e.status}`}>{e.status}</span>
                      </td>
                      <td>{passRateText(e.summary)}</td>
                      <td className="muted">{new Date(e.createdAt).toLocaleString()}</td>
                      <td>
                        {/* a flex box inside the cell: a flex cell leaves the table's grid and its row's border misaligns */}
                        <div className="row">
                          <button data-testid={`show-eval-${e.id}`} onClick={() => p.onShow(e.id)}>
                            Show
                          </button>
                          {against && (
                            <button data-testid={`compare-eval-${e.id}`} onClick={() => compareInOrder(against, e)} title="Compare with its baseline or the eval before it (the older version is A)">
                              Compare
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {p.shown && (
        <section className="evals-card wide" data-testid="eval-result">
          {error && <p className="error-text">{error}</p>}
          {!result && !error && <p className="muted">Loading the result…</p>}
          {result && (
            <>
              <div className="row">
                <h2 style={{ margin: 0 }}>
                  v{result.pipeline.version ?? '?'} on {result.dataset.name}
                </h2>
                <span className={`status ${result.status}`} data-testid="eval-status">
                  {live ? 'running' : result.status}
                </span>
                <span className="spacer" />
                {live && (
                  <button className="danger" data-testid="cancel-eval" onClick={() => cancel(result.id)}>
                    Cancel
                  </button>
                )}
                {!live && (result.status === 'interrupted' || result.status === 'cancelled') && (
                  <button data-testid="resume-eval" title="Run the cases it did not finish; finished ones are kept" onClick={() => resume(result.id)}>
                    Resume
                  </button>
                )}
              </div>
              {live && (
                <div data-testid="eval-progress">
                  <progress max={live.total} value={live.done} />
                  <span className="muted">
                    {live.done} / {live.total} · {live.passed} passed · {live.failed} failed
                  </span>
                </div>
              )}
              {result.error && <p className="error-text">{result.error}</p>}
              {!live && <ScorerSummaries result={result} />}
              {!live && result.gates && <EvalGates gates={result.gates} />}
              {!live && <ResultsTable result={result} onOpenRun={p.onOpenRun} />}
            </>
          )}
        </section>
      )}
    </div>
  );
}

function ScorerSummaries({ result }: { result: NonNullable<ReturnType<typeof useEvalResult>['result']> }) {
  const { summary } = result;
  return (
    <p className="muted" data-testid="eval-summary">
      {summary.passed} of {summary.cases} passed
      {summary.errors ? `, ${count(summary.errors, 'error')}` : ''}.{' '}
      {Object.entries(summary.scorers).map(([name, s]) => (
        <span key={name} className="score-summary">
          {name}: mean {s.mean === null ? '–' : s.mean.toFixed(2)}
          {s.ci ? ` (95% CI ${s.ci[0].toFixed(2)}…${s.ci[1].toFixed(2)})` : ''}
        </span>
      ))}
    </p>
  );
}
