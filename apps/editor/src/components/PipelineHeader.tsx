import type { ReactNode } from 'react';
import { SignOutButton } from '../auth/SignOutButton';
import type { Route } from '../lib/route';
import { PipelineViewLinks, type PipelineView } from './PipelineViewLinks';

interface Props {
  name: string;
  view: PipelineView;
  /** Every move the header offers (the list, another view) goes through here. */
  onGo(route: Route): void;
  draft?: boolean;
  testId?: string;
  /** What this view says about itself beside the links (the editor's version and label badges). */
  children?: ReactNode;
  /** This view's own controls, at the right. */
  actions?: ReactNode;
}

/**
 * The top bar of a pipeline's Editor, Evals, Deploy and Monitoring views: ← to all pipelines,
 * the pipeline's name, the links between its views, then the view's own controls.
 */
export function PipelineHeader({ name, view, onGo, draft, testId, children, actions }: Props) {
  return (
    <header className="toolbar pipeline-header" data-testid={testId}>
      <button onClick={() => onGo({ page: 'list' })} data-testid="back-to-list" title="All pipelines" aria-label="All pipelines">
        ←
      </button>
      <h1 className="title" data-testid="pipeline-name">
        {name}
      </h1>
      <PipelineViewLinks name={name} current={view} onGo={onGo} draft={draft} />
      {children}
      <span className="spacer" />
      {actions}
      <SignOutButton />
    </header>
  );
}
