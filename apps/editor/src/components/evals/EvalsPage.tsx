import { useCallback, useState } from 'react';
import { useApi } from '../ApiContext';
import type { Route } from '../../lib/route';
import { CompareView } from './CompareView';
import { EvalsView } from './EvalsView';
import './evals.css';
import { usePages } from '../../hooks/use-pages';
import { LoadMore } from '../LoadMore';
import { PipelineHeader } from '../PipelineHeader';

type EvalsRoute = Extract<Route, { page: 'evals' | 'compare' }>;

interface Props {
  route: EvalsRoute;
  navigate(route: Route, options?: { replace?: boolean }): void;
}

/** `/pipelines/NAME/evals` and `/pipelines/NAME/compare`: the pipeline's eval history, a new eval, one result, or two side by side. */
export default function EvalsPage({ route, navigate }: Props) {
  const api = useApi().evals;
  const [refresh, setRefresh] = useState(0);
  const reload = useCallback(() => setRefresh((n) => n + 1), []);
  // Newest first, a page at a time ("Load more").
  const pages = usePages((cursor) => api.evalsPage(route.name, cursor), `${route.name}:${refresh}`);
  const history = pages.items;
  const error = pages.error?.message;

  const tab = (page: 'evals' | 'compare', label: string) => (
    <button
      className={route.page === page ? 'tab active' : 'tab'}
      // "true", not "page": the header's Evals link is the current page; this is the current part of it
      aria-current={route.page === page ? 'true' : undefined}
      data-testid={`tab-${page}`}
      onClick={() => navigate({ page, name: route.name })}
    >
      {label}
    </button>
  );

  return (
    <div className="evals-page" data-testid="evals-page">
      <PipelineHeader name={route.name} view="evals" onGo={navigate} />
      <main className="evals-main">
        <div className="subtabs" role="group" aria-label="Evals pages">
          {tab('evals', 'Results')}
          {tab('compare', 'Compare')}
        </div>
        {error && <p className="error-text">Could not load the evals: {error}</p>}
        {route.page === 'evals' ? (
          <EvalsView
            api={api}
            name={route.name}
            history={history}
            shown={route.eval}
            onShow={(id) => navigate({ page: 'evals', name: route.name, eval: id })}
            onStarted={(id) => {
              reload();
              navigate({ page: 'evals', name: route.name, eval: id });
            }}
            onChanged={reload}
            onCompare={(a, b) => navigate({ page: 'compare', name: route.name, a, b })}
            onOpenRun={(runId) => navigate({ page: 'pipeline', name: route.name, run: runId })}
          />
        ) : (
          <CompareView
            api={api}
            history={history}
            a={route.a}
            b={route.b}
            onPick={(a, b) => navigate({ page: 'compare', name: route.name, a, b }, { replace: true })}
            onOpenRun={(runId) => navigate({ page: 'pipeline', name: route.name, run: runId })}
          />
        )}
        <LoadMore more={pages.more} loading={pages.loading} onMore={pages.loadMore} what="evals" />
      </main>
    </div>
  );
}
