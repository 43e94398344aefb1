import { Suspense, useSyncExternalStore, type KeyboardEvent } from 'react';
import type { Problem } from '@patchbay/core';
import type { EditorStore } from '../lib/editor-store';
import type { RunStore } from '../lib/run-store';
import type { Shown } from '../hooks/use-editor-content';
import { useCanvasSelector } from '../hooks/use-canvas-selector';
import { lazyView } from '../lib/lazy-view';
import { LoadBoundary } from './LoadBoundary';
import { ProblemsPanel } from './ProblemsPanel';
import { RunPanel } from './RunPanel';

// not needed for the first paint: loaded when their tab is opened
const VersionsPanel = lazyView(() => import('./VersionsPanel'));
const RunsPanel = lazyView(() => import('./RunsPanel'));
const DiffPanel = lazyView(() => import('./DiffPanel'));

export type Tab = 'problems' | 'run' | 'runs' | 'versions' | 'diff';

interface Props {
  tab: Tab;
  onTab(tab: Tab): void;
  name: string;
  shown: Shown | undefined;
  store: EditorStore;
  runs: RunStore;
  problems: readonly Problem[];
  refresh: number;
  onJump(id: string): void;
  onRun(inputs: Record<string, unknown>): void;
  /** Ctrl/⌘+Enter was pressed: the Run panel starts a run with its form. */
  runNow?: boolean;
  onRunHandled?(): void;
  onCancel(): void;
  onOpenVersion(n: number): void;
  onDiff(from: number, to: number): void;
  onRestore(n: number): void;
  onOpenRun(id: string): void;
}

/** Below the canvas: problems, the run form and outputs, past runs, the version history, and a diff's list. */
export function BottomPanel(p: Props) {
  const structure = useCanvasSelector(p.store, (s) => s.structure);
  const run = useSyncExternalStore(p.runs.subscribe, p.runs.getRun);
  const doc = p.store.document();
  void structure; // re-read the document when it changes in a way the panels show
  const tabs: [Tab, string][] = [
    ['problems', `Problems (${p.problems.length})`],
    ['run', run.phase === 'running' ? 'Run (running…)' : 'Run'],
    ['runs', 'Runs'],
    ['versions', 'Versions'],
  ];
  if (p.shown?.mode === 'diff') tabs.push(['diff', 'Diff']);
  // the tab pattern's keys: Left and Right open the neighbouring tab and focus it
  const onTabKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = tabs[(tabs.findIndex(([id]) => id === p.tab) + step + tabs.length) % tabs.length][0];
    p.onTab(next);
    e.currentTarget.querySelector<HTMLElement>(`[data-testid="tab-${next}"]`)?.focus();
  };
  return (
    <section className="bottom-panel">
      <div className="tabs" role="tablist" aria-label="Panels" onKeyDown={onTabKey}>
        {tabs.map(([id, label]) => (
          <button key={id} id={`tab-${id}`} role="tab" aria-selected={p.tab === id} aria-controls="bottom-tab-panel" tabIndex={p.tab === id ? 0 : -1} data-testid={`tab-${id}`} onClick={() => p.onTab(id)}>
            {label}
          </button>
        ))}
      </div>
      <div className="tab-body" id="bottom-tab-panel" role="tabpanel" aria-labelledby={`tab-${p.tab}`}>
        {/* keyed by tab: a panel that failed to load does not hide the other tabs */}
        <LoadBoundary key={p.tab} what="panel">
          <Suspense fallback={<p className="muted">Loading…</p>}>
            {p.tab === 'problems' && <ProblemsPanel problems={p.problems} doc={doc} onJump={p.onJump} />}
            {p.tab === 'run' && <RunPanel doc={doc} runs={p.runs} canRun={p.problems.length === 0 && p.shown !== undefined && p.shown.mode !== 'diff'} onRun={p.onRun} onCancel={p.onCancel} runNow={p.runNow} onRunHandled={p.onRunHandled} />}
            {p.tab === 'runs' && <RunsPanel name={p.name} refreshKey={p.refresh} shown={p.shown?.mode === 'run' ? p.shown.run.id : undefined} onOpen={p.onOpenRun} />}
            {p.tab === 'versions' && (
              <VersionsPanel
                name={p.name}
                shown={p.shown?.mode === 'edit' ? (p.shown.version ?? undefined) : p.shown?.mode === 'version' ? p.shown.version : undefined}
                refreshKey={p.refresh}
                onOpen={p.onOpenVersion}
                onDiff={p.onDiff}
                onRestore={p.onRestore}
              />
            )}
            {p.tab === 'diff' && p.shown?.mode === 'diff' && <DiffPanel overlay={p.shown.overlay} from={p.shown.from} to={p.shown.to} onJump={p.onJump} />}
          </Suspense>
        </LoadBoundary>
      </div>
    </section>
  );
}
