import { useEffect, useState, type ReactNode } from 'react';
import type { Route } from '../lib/route';
import { useApi } from './ApiContext';
import { PageLoadError } from './PageLoadError';

interface Props {
  name: string;
  navigate(route: Route): void;
  children: ReactNode;
}

/**
 * Draws a page about one pipeline (deploy, evals, monitoring) only once the runner says the
 * pipeline exists: otherwise each of its panels would load, fail and say so beside a form that
 * cannot work. The page says why in one line instead, with Try again.
 */
export function PipelineGate({ name, navigate, children }: Props) {
  const api = useApi();
  const [state, setState] = useState<{ found: boolean; error?: string }>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    setState(undefined);
    api.requirePipeline(name).then(
      () => current && setState({ found: true }),
      (err: Error) => current && setState({ found: false, error: err.message }),
    );
    return () => {
      current = false;
    };
  }, [api, name, attempt]);

  if (!state) return <p className="muted" style={{ padding: 16 }}>Loading {name}…</p>;
  if (!state.found) return <PageLoadError name={name} message={state.error ?? ''} onBack={() => navigate({ page: 'list' })} onRetry={() => setAttempt((n) => n + 1)} />;
  return children;
}
