import { Suspense } from 'react';
import { lazyView } from '../lib/lazy-view';
import { useRoute } from '../hooks/use-route';
import { PipelineList } from './PipelineList';
import { LoadBoundary } from './LoadBoundary';
import { PipelineGate } from './PipelineGate';
import { ToastProvider } from './Toasts';

// the canvas (React Flow, the node catalogue) loads only when a pipeline is opened
const EditorPage = lazyView(() => import('./EditorPage'));
// evals and their charts and diffs load only when opened
const EvalsPage = lazyView(() => import('./evals/EvalsPage'));
// labels, promotion, history and call snippets load only when opened
const DeployPage = lazyView(() => import('../deploy/DeployPage'));
// monitoring and its charts load only when opened
const MonitoringPage = lazyView(() => import('../monitoring/MonitoringPage'));

export function App() {
  const [route, navigate] = useRoute();
  return (
    <ToastProvider>
      {route.page === 'list' ? (
        <PipelineList navigate={navigate} />
      ) : route.page === 'deploy' ? (
        <LoadBoundary key={route.name} what="page">
          <PipelineGate key={route.name} name={route.name} navigate={navigate}>
            <Suspense fallback={<p className="muted" style={{ padding: 16 }}>Loading deployments…</p>}>
              <DeployPage key={route.name} name={route.name} navigate={navigate} />
            </Suspense>
          </PipelineGate>
        </LoadBoundary>
      ) : route.page === 'monitoring' ? (
        <LoadBoundary key={route.name} what="page">
          <PipelineGate key={route.name} name={route.name} navigate={navigate}>
            <Suspense fallback={<p className="muted" style={{ padding: 16 }}>Loading monitoring…</p>}>
              <MonitoringPage key={route.name} route={route} navigate={navigate} />
            </Suspense>
          </PipelineGate>
        </LoadBoundary>
      ) : route.page === 'evals' || route.page === 'compare' ? (
        <LoadBoundary key={route.name} what="page">
          <PipelineGate key={route.name} name={route.name} navigate={navigate}>
            <Suspense fallback={<p className="muted" style={{ padding: 16 }}>Loading evals…</p>}>
              <EvalsPage key={route.name} route={route} navigate={navigate} />
            </Suspense>
          </PipelineGate>
        </LoadBoundary>
      ) : (
        <LoadBoundary key={route.name} what="page">
          <Suspense fallback={<p className="muted" style={{ padding: 16 }}>Loading the editor…</p>}>
            <EditorPage key={route.name} route={route} navigate={navigate} />
          </Suspense>
        </LoadBoundary>
      )}
    </ToastProvider>
  );
}
