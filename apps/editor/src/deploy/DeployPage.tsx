import { useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import type { Route } from '../lib/route';
import { useApi } from '../components/ApiContext';
import { DeploymentHistory } from './DeploymentHistory';
import { DeployPanel } from './DeployPanel';
import { createDeployStore } from './deploy-store';
import { LabelBadges } from './LabelBadges';
import { Snippets } from './Snippets';
import { ClampedText } from '../components/ClampedText';
import { PipelineHeader } from '../components/PipelineHeader';
import '../components/evals/evals.css';
import './deploy.css';

interface Props {
  name: string;
  navigate(route: Route): void;
}

/** `/pipelines/NAME/deploy`: where the labels point, the Deploy panel, the history with rollback, and how to call a label. */
export default function DeployPage({ name, navigate }: Props) {
  const api = useApi();
  const store = useMemo(() => createDeployStore(name, api), [name, api]);
  const labels = useStore(store, (s) => s.labels);
  const versions = useStore(store, (s) => s.versions);
  const error = useStore(store, (s) => s.error);
  useEffect(() => {
    store.getState().load();
  }, [store]);
  const labelNames = Object.keys(labels ?? {}).sort();

  return (
    <div className="evals-page" data-testid="deploy-page">
      <PipelineHeader name={name} view="deploy" onGo={navigate} />
      <main className="evals-main">
        {error && (
          <p className="error-text" data-testid="deploy-page-error">
            {error}
          </p>
        )}
        <div className="evals-grid">
          <div>
            <section className="evals-card" aria-labelledby="labels-title" data-testid="labels-card">
              <h2 id="labels-title">Labels</h2>
              {!labels ? (
                <p className="muted">Loading…</p>
              ) : labelNames.length === 0 ? (
                <p className="muted">No labels yet: move one below (production, staging, any name).</p>
              ) : (
                <ul className="label-list">
                  {labelNames.map((label) => (
                    <li key={label} data-testid={`label-${label}`}>
                      <span className={`badge label-badge${label === 'production' ? ' production' : ''}`}>{label}</span> → v{labels[label].version}
                      <span className="muted"> · moved {new Date(labels[label].movedAt).toLocaleString()}</span>
                      <ClampedText text={versions?.find((v) => v.number === labels[label].version)?.message} muted />
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <DeployPanel
              name={name}
              store={store}
              evals={api.evals}
              onOpenEvals={() => navigate({ page: 'evals', name })}
              onOpenComparison={(a, b) => navigate({ page: 'compare', name, a, b })}
            />
          </div>
          <div>
            <section className="evals-card" aria-labelledby="history-title" data-testid="deploy-history">
              <h2 id="history-title">History</h2>
              <DeploymentHistory store={store} pipeline={name} />
            </section>
            <section className="evals-card" aria-labelledby="snippets-title">
              <h2 id="snippets-title">Call it</h2>
              <Snippets name={name} labels={labels ?? {}} />
            </section>
          </div>
        </div>
        {versions && versions.length > 0 && (
          <section className="evals-card" aria-labelledby="versions-title">
            <h2 id="versions-title">Versions</h2>
            <ul className="label-list" data-testid="deploy-versions">
              {versions.map((v) => (
                <li key={v.number} data-testid={`deploy-version-${v.number}`}>
                  <strong>v{v.number}</strong> <LabelBadges labels={labels} version={v.number} /> <ClampedText text={v.message} muted />
                </li>
              ))}
            </ul>
          </section>
        )}
      </main>
    </div>
  );
}
