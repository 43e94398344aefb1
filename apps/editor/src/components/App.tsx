import { lazy, Suspense } from 'react';
import { useRoute } from '../hooks/use-route';
import { PipelineList } from './PipelineList';
import { ToastProvider } from './Toasts';

// the canvas (React Flow, the node catalogue) loads only when a pipeline is opened
const EditorPage = lazy(() => import('./EditorPage'));
// evals and their charts and diffs load only when opened
const EvalsPage = lazy(() => import('./evals/EvalsPage'));
// labels, promotion, history and call snippets load only when opened
const DeployPage = lazy(() => import('../deploy/DeployPage'));
// monitoring and its charts load only when opened
const MonitoringPage = lazy(() => import('../monitoring/MonitoringPage'));

export function App() {
  const [route, navigate] = useRoute();
  return (
    <ToastProvider>
      {route.page === 'list' ? (
        <PipelineList navigate={navigate} />
      ) : route.page === 'deploy' ? (
        <Suspense fallback={<p className="muted" style={{ padding: 16 }}>Loading deployments…</p>}>
          <DeployPage key={route.name} name={route.name} navigate={navigate} />
        </Suspense>
      ) : route.page === 'monitoring' ? (
        <Suspense fallback={<p className="muted" style={{ padding: 16 }}>Loading monitoring…</p>}>
          <MonitoringPage key={route.name} route={route} navigate={navigate} />
        </Suspense>
      ) : route.page === 'evals' || route.page === 'compare' ? (
        <Suspense fallback={<p className="muted" style={{ padding: 16 }}>Loading evals…</p>}>
          <EvalsPage key={route.name} route={route} navigate={navigate} />
        </Suspense>
      ) : (
        <Suspense fallback={<p className="muted" style={{ padding: 16 }}>Loading the editor…</p>}>
          <EditorPage key={route.name} route={route} navigate={navigate} />
        </Suspense>
      )}
    </ToastProvider>
  );
}
