import { Suspense, useEffect, useState } from 'react';
import type { Comparison, EvalListItem, EvalResult, EvalsApi } from '../../lib/evals-api';
import { lazyView } from '../../lib/lazy-view';
import { LoadBoundary } from '../LoadBoundary';
import { CaseCompareTable } from './CaseCompareTable';
import { passRateText } from './format';
import { defaultBaseline, orderByVersion } from './pick-baseline';
import { direction, interval, plain, pNumber, signed, testName, verdict } from './verdict';

// recharts is big: it loads only when a comparison is on screen
const MeansChart = lazyView(() => import('./MeansChart'));

interface Props {
  api: EvalsApi;
  history: EvalListItem[] | undefined;
  a?: string;
  b?: string;
  onPick(a: string | undefined, b: string | undefined): void;
  onOpenRun(runId: string): void;
}

const label = (e: EvalListItem) => `v${e.version ?? '?'} · ${e.dataset.name} · ${new Date(e.createdAt).toLocaleString()} · ${passRateText(e.summary)}`;

/** Two evals side by side: per scorer A, B, the difference with its interval and test, a verdict in words, a chart, and the cases, regressions first. */
export function CompareView({ api, history, a, b, onPick, onOpenRun }: Props) {
  const finished = (history ?? []).filter((e) => e.status !== 'running');
  const [cmp, setCmp] = useState<Comparison>();
  const [results, setResults] = useState<[EvalResult, EvalResult]>();
  const [error, setError] = useState<string>();

  // Nothing chosen yet: the newest finished eval and its baseline from the history, the older version as A.
  // An eval the address names is kept even when the history (its first page) lacks it: the
  // comparison then says whether it exists, rather than another eval quietly taking its place.
  useEffect(() => {
    if (!history || (a && b)) return;
    const named = finished.find((e) => e.id === b);
    if (a || (b && !named)) {
      const other = finished.find((e) => e.id !== (a ?? b));
      if (other) onPick(a ?? other.id, b ?? other.id);
      return;
    }
    const current = named ?? finished[0];
    if (!current) return;
    const base = finished.find((e) => e.id === defaultBaseline(finished, current));
    const [older, newer] = base ? orderByVersion(base, current) : [undefined, current];
    if (older?.id !== a || newer.id !== b) onPick(older?.id, newer.id);
  }, [history, a, b]);

  useEffect(() => {
    setCmp(undefined);
    setResults(undefined);
    setError(undefined);
    if (!a || !b) return;
    let stale = false;
    // Settled in order, so the comparison's reason (which names query.a or query.b) is the one shown.
    void Promise.allSettled([api.compare(a, b), api.getEval(a), api.getEval(b)]).then(([comparison, ra, rb]) => {
      if (stale) return;
      const failed = [comparison, ra, rb].find((r) => r.status === 'rejected');
      if (failed) return setError((failed.reason as Error).message);
      if (comparison.status === 'fulfilled' && ra.status === 'fulfilled' && rb.status === 'fulfilled') {
        setCmp(comparison.value);
        setResults([ra.value, rb.value]);
      }
    });
    return () => {
      stale = true;
    };
  }, [api, a, b]);

  const picker = (which: 'a' | 'b', value: string | undefined) => (
    <div>
      <label htmlFor={`compare-${which}`}>{which === 'a' ? 'A — baseline' : 'B — current'}</label>
      <select id={`compare-${which}`} data-testid={`compare-${which}`} value={value ?? ''} onChange={(e) => (which === 'a' ? onPick(e.target.value, b) : onPick(a, e.target.value))}>
        <option value="">choose an eval…</option>
        {finished.map((e) => (
          <option key={e.id} value={e.id}>
            {label(e)}
          </option>
        ))}
      </select>
    </div>
  );

  const scorerNames = cmp ? Object.keys(cmp.scorers) : [];
  return (
    <div className="compare" data-testid="compare-view">
      <section className="evals-card">
        <div className="form-grid two">
          {picker('a', a)}
          {picker('b', b)}
        </div>
        {history && finished.length < 2 && <p className="muted">Comparing needs two finished evals of this pipeline: run one per version on the same dataset.</p>}
        {error && (
          <p className="error-text" data-testid="compare-error">
            {error}
          </p>
        )}
      </section>

      {cmp && results && (
        <>
          <section className="evals-card">
            <h2>
              v{cmp.a.version ?? '?'} (A) → v{cmp.b.version ?? '?'} (B)
            </h2>
            {cmp.warnings.map((w) => (
              <p key={w} className="muted">
                ⚠ {w}
              </p>
            ))}
            <ul className="verdicts" data-testid="verdicts">
              {scorerNames.map((name) => (
                <li key={name} className={`verdict ${direction(cmp.scorers[name])}`} data-testid={`verdict-${name}`}>
                  {verdict(name, cmp.scorers[name])}
                </li>
              ))}
            </ul>
            <table className="evals-table" data-testid="scorer-table">
              <thead>
                <tr>
                  <th>Scorer</th>
                  <th>A</th>
                  <th>B</th>
                  <th>Δ (B − A)</th>
                  <th>95% CI</th>
                  <th>p</th>
                  <th>Test</th>
                  <th>Pairs</th>
                </tr>
              </thead>
              <tbody>
                {scorerNames.map((name) => {
                  const s = cmp.scorers[name];
                  return (
                    <tr key={name} data-testid={`scorer-row-${name}`} className={direction(s)}>
                      <td>{name}</td>
                      <td>{plain(s.baseline)}</td>
                      <td>{plain(s.current)}</td>
                      <td>{s.delta === null ? '–' : signed(s.delta)}</td>
                      <td>{interval(s.ci)}</td>
                      <td>{pNumber(s.pValue)}</td>
                      <td>{testName(s.test)}</td>
                      <td>{s.n}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <p className="muted">
              {cmp.regressed.length} regressed, {cmp.improved.length} improved, {cmp.unchanged.length} unchanged
              {cmp.onlyInBaseline.length ? `, ${cmp.onlyInBaseline.length} only in A` : ''}
              {cmp.onlyInCurrent.length ? `, ${cmp.onlyInCurrent.length} only in B` : ''}.
            </p>
          </section>
          <section className="evals-card" data-testid="means-chart">
            <h2>Means with 95% intervals</h2>
            <LoadBoundary what="chart">
              <Suspense fallback={<p className="muted">Loading the chart…</p>}>
                <MeansChart scorers={scorerNames} a={results[0].summary} b={results[1].summary} />
              </Suspense>
            </LoadBoundary>
          </section>
          <section className="evals-card">
            <h2>Cases</h2>
            <CaseCompareTable cmp={cmp} a={results[0]} b={results[1]} onOpenRun={onOpenRun} />
          </section>
        </>
      )}
    </div>
  );
}
