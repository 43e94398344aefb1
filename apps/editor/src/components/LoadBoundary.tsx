import { Component, type ReactNode } from 'react';
import { ViewLoadError } from '../lib/lazy-view';

interface Props {
  /** What is drawn inside, as the message names it: "panel", "page", "chart". */
  what: string;
  children: ReactNode;
}

/**
 * Keeps a view that fails to load or draw from taking the whole editor (and its unsaved
 * canvas) down with it: it says why in one line and offers Try again.
 */
export class LoadBoundary extends Component<Props, { error?: unknown }> {
  override state: { error?: unknown } = {};

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override render() {
    const { error } = this.state;
    if (error === undefined) return this.props.children;
    const reason =
      error instanceof ViewLoadError
        ? `Could not load this ${this.props.what}: ${error.message}`
        : `Could not show this ${this.props.what}: ${String(error instanceof Error ? error.message : error).split('\n')[0]}`;
    return (
      <div role="alert" className="load-failure" data-testid="load-failure">
        <p className="error-text" data-testid="load-failure-reason">{reason}</p>
        <button
          onClick={() => {
            if (error instanceof ViewLoadError) error.retry();
            this.setState({ error: undefined });
          }}
        >
          Try again
        </button>
      </div>
    );
  }
}
