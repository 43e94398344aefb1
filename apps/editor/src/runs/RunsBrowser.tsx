import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../lib/api-client';
import type { RunSummary } from '../lib/api';
import { useApi } from '../components/ApiContext';
import { monitoringCalls } from '../monitoring/monitoring-api';
import { AddToDatasetDialog } from './AddToDatasetDialog';
import { LoadMore } from '../components/LoadMore';
import { RunFilters } from './RunFilters';
import './runs.css';
import { fieldOf, NO_FILTER, runsQuery, type FilterField, type FixedFilter, type RunFilter } from './run-filter';
import { shortRunId } from './short-run-id';

interface Props {
  pipeline: string;
  /** Set by a view that lists one step of a chart; the user's filters narrow it further. */
  fixed?: FixedFilter;
  /** Changes when runs may have been added (a run finished in the editor). */
  refreshKey?: number;
  /** The run on the canvas now (listed as "shown" instead of an Open button). */
  shown?: string;
  onOpen(id: string): void;
}

/**
 * The Runs list: the pipeline's runs, newest first, filtered by status, label, version, source and
 * a monitor's score; select some (or one) and "Add to dataset" turns them into cases.
 */
export function RunsBrowser({ pipeline, fixed, refreshKey, shown, onOpen }: Props) {
  const client = useApi().client;
  const api = useMemo(() => monitoringCalls(client), [client]);
  const [filter, setFilter] = useState<RunFilter>(NO_FILTER);
  const [runs, setRuns] = useState<RunSummary[]>();
  /** The next page's cursor ("Load more"); null on the last page. */
  const [next, setNext] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [problem, setProblem] = useState<{ field?: FilterField; message: string }>();
  const [labels, setLabels] = useState<string[]>([]);
  const [monitors, setMonitors] = useState<string[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [adding, setAdding] = useState<string[]>();

  useEffect(() => {
    api.labels(pipeline).then(setLabels, () => setLabels([]));
    api.monitors(pipeline).then((list) => setMonitors(list.map((m) => m.name)), () => setMonitors([]));
  }, [api, pipeline]);

  const query = runsQuery(pipeline, filter, fixed);
  const key = JSON.stringify(query);
  const keyRef = useRef(key);
  keyRef.current = key;
  useEffect(() => {
    let current = true;
    api.runs(JSON.parse(key)).then(
      ({ items: list, next }) => {
        if (!current) return;
        setRuns(list);
        setNext(next);
        setProblem(undefined);
        // a selection only holds runs still listed
        setSelected((s) => new Set(list.filter((r) => s.has(r.id)).map((r) => r.id)));
      },
      (err: Error) => {
        if (!current) return;
        const path = err instanceof ApiError ? (err.body as any)?.errors?.[0]?.path : undefined;
        setProblem({ field: fieldOf(path), message: err.message });
      },
    );
    return () => {
      current = false;
    };
  }, [api, key, refreshKey]);

  const loadMore = () => {
    if (!next) return;
    setLoadingMore(true);
    const forKey = key;
    api.runs(JSON.parse(key), next).then(
      (page) => {
        setLoadingMore(false);
        // a page for filters changed meanwhile is dropped
        if (forKey !== keyRef.current) return;
        setRuns((r) => [...(r ?? []), ...page.items]);
        setNext(page.next);
      },
      (err: Error) => {
        setLoadingMore(false);
        setProblem({ message: err.message });
      },
    );
  };

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const finished = runs?.filter((r) => r.status !== 'running') ?? [];
  const allSelected = finished.length > 0 && finished.every((r) => selected.has(r.id));

  return (
    <div className="runs-browser" data-testid="runs-browser">
      <RunFilters filter={filter} fixed={fixed} labels={labels} monitors={monitors} problem={problem} onChange={setFilter} />
      {problem && !problem.field && (
        <p className="error-text" role="alert">
          {problem.message}
        </p>
      )}
      <div className="row runs-actions">
        <label className="inline">
          <input type="checkbox" checked={allSelected} disabled={finished.length === 0} onChange={() => setSelected(allSelected ? new Set() : new Set(finished.map((r) => r.id)))} data-testid="select-all-runs" />
          Select all finished
        </label>
        <span className="muted" data-testid="runs-count">
          {runs ? `${runs.length}${next ? '+' : ''} runs${fixed ? ` · ${fixed.title}` : ''}` : 'Loading runs…'}
        </span>
        <span className="spacer" />
        <button disabled={selected.size === 0} onClick={() => setAdding([...selected])} data-testid="add-selected-to-dataset">
          Add {selected.size || ''} selected to dataset…
        </button>
      </div>
      {runs?.length === 0 && <p className="muted">No runs match.</p>}
      {runs?.map((run) => (
        <div key={run.id} className="run-row" data-testid={`run-${run.id}`}>
          <input type="checkbox" aria-label={`Select run ${shortRunId(run.id)}`} checked={selected.has(run.id)} disabled={run.status === 'running'} onChange={() => toggle(run.id)} />
          <span className={`status ${run.status}`}>{run.status}</span>
          <code>{shortRunId(run.id)}</code>
          {run.version ? <span>v{run.version}</span> : <span className="muted">unsaved</span>}
          {run.label && <span className="badge">{run.label}</span>}
          <span className="muted">{run.source}</span>
          <span className="muted" style={{ flex: 1 }}>
            {new Date(run.startedAt).toLocaleString()}
            {run.durationMs != null ? ` · ${run.durationMs} ms` : ''}
          </span>
          {run.error && <span className="error-text">{run.error.slice(0, 80)}</span>}
          <button disabled={run.status === 'running'} onClick={() => setAdding([run.id])} data-testid={`add-run-to-dataset-${run.id}`} aria-label={`Add to dataset… run ${shortRunId(run.id)}`}>
            Add to dataset…
          </button>
          {run.id === shown ? (
            <span className="badge">shown</span>
          ) : (
            <button data-testid={`open-run-${run.id}`} onClick={() => onOpen(run.id)}>
              Open
            </button>
          )}
        </div>
      ))}
      <LoadMore more={next !== null} loading={loadingMore} onMore={loadMore} what="runs" />
      {adding && <AddToDatasetDialog api={api} runIds={adding} onClose={() => setAdding(undefined)} />}
    </div>
  );
}
