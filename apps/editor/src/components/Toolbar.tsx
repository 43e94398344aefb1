import type { Shown } from '../hooks/use-editor-content';
import { count } from '../lib/count';
import type { Route } from '../lib/route';
import { PipelineHeader } from './PipelineHeader';
import { LabelBadges } from '../deploy/LabelBadges';
import { useLabels } from '../deploy/use-labels';
import { shortRunId } from '../runs/short-run-id';

interface Props {
  name: string;
  shown: Shown | undefined;
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  problemCount: number;
  /** Leaves the canvas (the list, another view of the pipeline); asks first when there are unsaved changes. */
  onGo(route: Route): void;
  onSave(): void;
  onUndo(): void;
  onRedo(): void;
  onLayout(): void;
  onFit(): void;
  onExport(): void;
  onEditLatest(): void;
  onRestore(): void;
  onHelp(): void;
}

/** The saved version on the canvas, whose labels the toolbar shows. */
function shownVersion(shown: Shown | undefined): number | undefined {
  if (shown?.mode === 'edit') return shown.version ?? undefined;
  if (shown?.mode === 'version') return shown.version;
  if (shown?.mode === 'run') return shown.run.version ?? undefined;
  return undefined;
}

function describe(shown: Shown | undefined): string {
  if (!shown) return '';
  switch (shown.mode) {
    case 'edit':
      return shown.version ? `v${shown.version}` : 'unsaved';
    case 'version':
      return `v${shown.version} (read-only)`;
    case 'diff':
      return `diff v${shown.from} → v${shown.to}`;
    case 'run':
      return `run ${shortRunId(shown.run.id)}${shown.run.version ? ` of v${shown.run.version}` : ''} (read-only)`;
  }
}

/** The editor's top bar: where you are and what you can do with it. */
export function Toolbar(p: Props) {
  const editing = p.shown?.mode === 'edit';
  // a draft is not stored until its first save: evals, labels and monitoring have nothing to show yet
  const draft = p.shown?.mode === 'edit' && !p.shown.version;
  const labels = useLabels(p.name);
  return (
    <PipelineHeader
      name={p.name}
      view="editor"
      onGo={p.onGo}
      draft={draft}
      testId="toolbar"
      actions={
        <>
          {editing ? (
            <>
              <button data-testid="undo-button" disabled={!p.canUndo} onClick={p.onUndo} title="Undo (Ctrl/⌘+Z)">
                Undo
              </button>
              <button data-testid="redo-button" disabled={!p.canRedo} onClick={p.onRedo} title="Redo (Shift+Ctrl/⌘+Z)">
                Redo
              </button>
              <button data-testid="layout-button" onClick={p.onLayout} title="Auto-layout (L)">
                Layout
              </button>
            </>
          ) : (
            <>
              <button data-testid="edit-latest" onClick={p.onEditLatest}>
                Edit the latest version
              </button>
              {p.shown?.mode === 'version' && (
                <button data-testid="restore-shown" onClick={p.onRestore}>
                  Restore as a new version
                </button>
              )}
            </>
          )}
          <button data-testid="fit-button" onClick={p.onFit} title="Fit view (F)">
            Fit
          </button>
          <button data-testid="export-button" onClick={p.onExport} title="Download the pipeline as JSON">
            Export
          </button>
          {editing && (
            <button className="primary" data-testid="save-button" onClick={p.onSave} title="Save a new version (Ctrl/⌘+S)">
              Save…
            </button>
          )}
          <button data-testid="help-button" onClick={p.onHelp} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
            ?
          </button>
        </>
      }
    >
      <span className="badge" data-testid="shown-version">
        {describe(p.shown)}
      </span>
      <LabelBadges labels={labels} version={shownVersion(p.shown)} />
      {editing && p.dirty && <span className="badge warn" data-testid="unsaved">unsaved changes</span>}
      {editing && p.problemCount > 0 && <span className="badge danger" data-testid="problem-count">{count(p.problemCount, 'problem')}</span>}
    </PipelineHeader>
  );
}
