import type { MouseEvent } from 'react';
import { formatRoute, type Route } from '../lib/route';

/** A pipeline's four views, the same links in the same order on each of them. */
export type PipelineView = 'editor' | 'evals' | 'deploy' | 'monitoring';

const VIEWS: { view: PipelineView; label: string; route(name: string): Route; title: string; draftTitle?: string }[] = [
  { view: 'editor', label: 'Editor', route: (name) => ({ page: 'pipeline', name }), title: 'The latest version on the canvas: draw, run, save' },
  {
    view: 'evals',
    label: 'Evals',
    route: (name) => ({ page: 'evals', name }),
    title: 'Score versions against a dataset and compare them',
    draftTitle: 'Save version 1 first: evals score saved versions',
  },
  {
    view: 'deploy',
    label: 'Deploy',
    route: (name) => ({ page: 'deploy', name }),
    title: 'Labels, promotion gated by evals, rollback, and how to call a label',
    draftTitle: 'Save version 1 first: labels point at saved versions',
  },
  {
    view: 'monitoring',
    label: 'Monitoring',
    route: (name) => ({ page: 'monitoring', name }),
    title: 'Throughput, errors, latency, tokens and cost over time; monitors and alerts',
    draftTitle: 'Save version 1 first: monitoring follows the runs of saved versions',
  },
];

interface Props {
  name: string;
  current: PipelineView;
  /** Goes to a view; the editor asks first when the canvas has unsaved changes. */
  onGo(route: Route): void;
  /** A draft never saved: evals, labels and monitoring have nothing to show yet. */
  draft?: boolean;
}

/** A click that the browser should handle itself: a new tab or window (Ctrl/⌘, Shift, the middle button). */
const opensElsewhere = (e: MouseEvent) => e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey;

/** Links between the pipeline's Editor, Evals, Deploy and Monitoring views, the one shown marked as the current page. */
export function PipelineViewLinks({ name, current, onGo, draft }: Props) {
  return (
    <nav className="view-links" aria-label="Pipeline views">
      {VIEWS.map(({ view, label, route, title, draftTitle }) => {
        // a greyed-out button, not a link: there is nowhere to go yet, and the title says why
        if (draft && draftTitle)
          return (
            <button key={view} data-testid={`view-${view}`} disabled title={draftTitle}>
              {label}
            </button>
          );
        const target = route(name);
        return (
          <a
            key={view}
            href={formatRoute(target)}
            data-testid={`view-${view}`}
            aria-current={view === current ? 'page' : undefined}
            title={title}
            onClick={(e) => {
              if (opensElsewhere(e)) return;
              e.preventDefault();
              onGo(target);
            }}
          >
            {label}
          </a>
        );
      })}
    </nav>
  );
}
