import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider, useReactFlow, useStoreApi, type Viewport } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { getNodeType, type PipelineNode, type Position } from '@patchbay/core';
import { ApiError, ConflictError, type NodeTypeInfo, type ProviderInfo } from '../lib/api';
import { readPayload, type ClipboardPayload } from '../lib/clipboard';
import { initialConfig } from '../lib/config-form';
import { documentFileText, downloadText, exportFileName } from '../lib/document-file';
import { EditorStore } from '../lib/editor-store';
import { viewportToFit } from '../lib/fit';
import { emptyDocument } from '../lib/flow-model';
import { NodeProblemsStore } from '../lib/node-problems-store';
import type { Route } from '../lib/route';
import { RunStore } from '../lib/run-store';
import { PinStore } from '../lib/pins';
import { childPipelines } from '../lib/child-pipelines';
import { useCanvasSelector } from '../hooks/use-canvas-selector';
import { guardLeaving } from '../hooks/use-route';
import { useEditorContent } from '../hooks/use-editor-content';
import { useKeepOpeningFit } from '../hooks/use-keep-opening-fit';
import { useProblems } from '../hooks/use-problems';
import { useRun } from '../hooks/use-run';
import { liveRun } from '../lib/live-run';
import { useFollowRun } from '../hooks/use-follow-run';
import { useShortcuts } from '../hooks/use-shortcuts';
import { useApi } from './ApiContext';
import { BottomPanel, type Tab } from './BottomPanel';
import { Canvas } from './Canvas';
import { CanvasContext } from './CanvasContext';
import { HelpDialog } from './HelpDialog';
import { Palette } from './Palette';
import { PageLoadError } from './PageLoadError';
import { SaveDialog } from './SaveDialog';
import { SidePanel } from './SidePanel';
import { useToast } from './Toasts';
import { Toolbar } from './Toolbar';
import { NodeMenu, type NodeMenuAction } from './NodeMenu';
import { PinDialog } from './PinDialog';
import { RunFromDialog } from './RunFromDialog';
import { modelsOf } from './ModelPicker';
import { freeSpot } from '../lib/free-space';
import { NODE_WIDTH, nodeHeight } from '../lib/node-size';
import { count } from '../lib/count';

type PipelineRoute = Extract<Route, { page: 'pipeline' }>;
interface Props {
  route: PipelineRoute;
  navigate(route: Route, options?: { replace?: boolean }): void;
}

/** `/pipelines/NAME`: palette, canvas, inspector, and the problems / run / runs / versions panels. */
export default function EditorPage(props: Props) {
  return (
    <ReactFlowProvider>
      <EditorScreen {...props} />
    </ReactFlowProvider>
  );
}

function EditorScreen({ route, navigate }: Props) {
  const api = useApi();
  const toast = useToast();
  const flow = useReactFlow();
  const store = useMemo(() => new EditorStore(emptyDocument(route.name)), [route.name]);
  const runs = useMemo(() => new RunStore(), []);
  const nodeProblems = useMemo(() => new NodeProblemsStore(), []);
  const pins = useMemo(() => new PinStore(route.name), [route.name]);
  const canvasServices = useMemo(() => ({ runs, problems: nodeProblems, pins }), [runs, nodeProblems, pins]);
  useMemo(() => childPipelines.setResolver((ref) => api.resolveRef(ref)), [api]);
  useMemo(() => runs.setValueSource((id, hash) => api.runValue(id, hash)), [runs, api]);
  const [menu, setMenu] = useState<{ id: string; at: { x: number; y: number } }>();
  // The node whose output is being pinned, with the last run's outputs (whole: the runner cuts long values) to start from.
  const [pinning, setPinning] = useState<{ id: string; initial: Record<string, unknown> | undefined }>();
  const [runningFrom, setRunningFrom] = useState<string>();
  const canvasRef = useRef<HTMLDivElement>(null);
  const clipboard = useRef<ClipboardPayload | undefined>(undefined);

  const [catalog, setCatalog] = useState<NodeTypeInfo[]>();
  const [providers, setProviders] = useState<ProviderInfo[]>([]);
  const [tab, setTab] = useState<Tab>('problems');
  const [runNow, setRunNow] = useState(false);
  const [help, setHelp] = useState(false);
  const [saving, setSaving] = useState<{ conflict?: number; deleted?: boolean; busy: boolean; error?: string }>();
  const [refresh, setRefresh] = useState(0);

  // the view is fitted to a document before it is drawn, so its nodes are drawn once, at the fitted zoom.
  // Not a dependency on `flow`: React Flow hands out a new one once its viewport is ready, which
  // would reload the document (a second fetch and draw of the whole pipeline on opening it).
  const flowStore = useStoreApi();
  const pendingFit = useRef<Viewport | undefined>(undefined);
  const fitTo = useCallback(
    (nodes: readonly { id: string; position?: Position }[], duration = 0) => {
      const box = canvasRef.current;
      const viewport = box && viewportToFit(nodes, (id) => store.measuredSize(id), box.clientWidth, box.clientHeight);
      if (!viewport) return;
      const { panZoom } = flowStore.getState();
      if (panZoom) panZoom.setViewport(viewport, { duration });
      else pendingFit.current = viewport; // a document that came before the canvas was ready
      return viewport;
    },
    [flowStore, store],
  );
  const refitOpened = useCallback(() => fitTo(store.getState().nodes), [fitTo, store]);
  const openedAt = useKeepOpeningFit(canvasRef, refitOpened);
  useEffect(() => {
    if (!flow.viewportInitialized || !pendingFit.current) return;
    flow.setViewport(pendingFit.current);
    pendingFit.current = undefined;
  }, [flow]);
  // a pipeline opens fitted into view, as Fit shows it
  const beforeShow = useCallback(
    (doc: { nodes: readonly { id: string; position?: Position }[] }) => {
      openedAt.current = fitTo(doc.nodes);
    },
    [fitTo, openedAt],
  );
  const { shown, setShown, error, reload } = useEditorContent(api, route, store, runs, beforeShow);
  const editing = shown?.mode === 'edit';
  const dirty = useCanvasSelector(store, (s) => s.dirty);
  const canUndo = useCanvasSelector(store, (s) => s.canUndo);
  const canRedo = useCanvasSelector(store, (s) => s.canRedo);
  const problems = useProblems(store, nodeProblems, shown !== undefined && shown.mode !== 'diff');

  useEffect(() => {
    api.nodeTypes().then(setCatalog, (err: Error) => toast(`Could not load node types: ${err.message}`, 'error'));
    api.providers().then(setProviders, () => setProviders([]));
  }, [api, toast]);

  const fit = useCallback((duration = 0) => fitTo(store.getState().nodes, duration), [fitTo, store]);
  useEffect(() => {
    if (shown?.mode === 'diff') setTab('diff');
    else if (shown?.mode === 'run') setTab('run');
    else setTab((t) => (t === 'diff' ? 'problems' : t));
  }, [shown?.mode]);

  useEffect(() => {
    if (!dirty || !editing) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, editing]);

  // Moving inside the app unmounts the canvas, and beforeunload does not fire for it: ask first, as the browser does on leaving.
  const mayDropChanges = useCallback(
    (question: string) => !(editing && store.getState().dirty) || window.confirm(`${question} Your unsaved changes on the canvas will be lost (Save… keeps them as a new version).`),
    [editing, store],
  );
  const leave = useCallback(
    (next: Route) => {
      if (mayDropChanges('Leave this pipeline?')) navigate(next);
    },
    [mayDropChanges, navigate],
  );
  // the browser's Back and Forward ask too (useRoute puts the address back on a "stay")
  useEffect(() => {
    if (!dirty || !editing) return;
    guardLeaving(() => mayDropChanges('Leave this pipeline?'));
    return () => guardLeaving(undefined);
  }, [dirty, editing, mayDropChanges]);
  const go = useCallback((patch: Omit<PipelineRoute, 'page' | 'name'>) => leave({ page: 'pipeline', name: route.name, ...patch }), [leave, route.name]);

  const refuse = useCallback((reason: string) => toast(`Connection refused: ${reason}`, 'error'), [toast]);

  const addNode = useCallback(
    (type: string, at: Position | ((node: PipelineNode) => Position)) => {
      const info = catalog?.find((t) => t.type === type);
      const config = initialConfig(info?.configSchema, info);
      // a dropped model node starts runnable, on the offline stand-in (the picker marks it as one)
      if (providers.some((p) => p.offline)) {
        const offline = providers.find((p) => p.offline);
        for (const { field, kind } of info?.modelFields ?? []) if (config[field] === '') config[field] = (offline && modelsOf(offline, kind)[0]) ?? '';
      }
      store.addNode(type, at, config);
    },
    [catalog, providers, store],
  );

  const addAtCentre = useCallback(
    (type: string) => {
      const box = canvasRef.current?.getBoundingClientRect();
      const centre = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
      const size = { width: NODE_WIDTH, height: nodeHeight(2) };
      // near the centre of the view, but never on top of a node already there
      const boxes = store.getState().nodes.map((n) => ({ ...n.position, ...(store.measuredSize(n.id) ?? { width: NODE_WIDTH, height: nodeHeight(2) }) }));
      addNode(type, freeSpot({ x: centre.x - size.width / 2, y: centre.y - size.height / 2 }, size, boxes));
    },
    [addNode, flow, store],
  );

  const jumpTo = useCallback(
    (id: string) => {
      const node = flow.getNode(id);
      store.select([id]);
      if (node) {
        const size = store.measuredSize(id);
        const width = size?.width ?? 220;
        const height = size?.height ?? 80;
        flow.setCenter(node.position.x + width / 2, node.position.y + height / 2, { zoom: Math.max(flow.getZoom(), 1), duration: 300 });
      }
    },
    [flow, store],
  );

  // Enter on a focused node (keyboard): React Flow selected it; its form takes the focus once drawn
  const openInspector = useCallback((id: string) => {
    store.select([id]);
    requestAnimationFrame(() => {
      const inspector = document.querySelector<HTMLElement>('[data-testid="inspector"]');
      const first = inspector?.querySelector<HTMLElement>('input:not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled])');
      (first ?? inspector)?.focus();
    });
  }, [store]);

  const layout = useCallback(async () => {
    const { layoutPositions } = await import('../lib/layout');
    const sizes = new Map(store.getState().nodes.flatMap((n) => (store.measuredSize(n.id) ? [[n.id, store.measuredSize(n.id)!] as const] : [])));
    store.placeNodes(layoutPositions(store.document(), sizes));
    fit(200);
  }, [store, fit]);

  const exportDocument = useCallback(() => {
    const version = shown?.mode === 'version' ? shown.version : shown?.mode === 'edit' && !dirty ? (shown.version ?? undefined) : undefined;
    downloadText(exportFileName(route.name, version), documentFileText(store.document()));
  }, [shown, dirty, route.name, store]);

  const save = useCallback(
    async (message: string, baseVersion: number | null) => {
      setSaving((s) => ({ ...s, busy: true, error: undefined }));
      try {
        const saved = await api.saveVersion(route.name, { document: store.document(), message, baseVersion });
        store.markSaved();
        setSaving(undefined);
        // a draft's first save made version 1: from now on the address is the pipeline's own
        if (route.draft) navigate({ page: 'pipeline', name: route.name }, { replace: true });
        setShown({ mode: 'edit', version: saved.number, latest: saved.number });
        setRefresh((n) => n + 1);
        toast(`Saved version ${saved.number}${saved.problems.length ? ` (with ${count(saved.problems.length, 'problem')})` : ''}`);
      } catch (err) {
        if (err instanceof ConflictError) setSaving({ busy: false, conflict: err.latest });
        // saved on a version of a pipeline that is gone: deleted meanwhile (another tab, the CLI)
        else if (err instanceof ApiError && err.status === 404 && baseVersion !== null) setSaving({ busy: false, deleted: true });
        else setSaving((s) => ({ ...s, busy: false, error: (err as Error).message }));
      }
    },
    [api, route.name, route.draft, navigate, store, setShown, toast],
  );

  const restore = useCallback(
    async (version: number) => {
      // the restored version replaces the canvas
      if (!mayDropChanges(`Restore version ${version}?`)) return;
      try {
        const [old, latest] = await Promise.all([api.getVersion(route.name, version), api.latestVersion(route.name)]);
        const saved = await api.saveVersion(route.name, { document: old.document, message: `Restore version ${version}`, baseVersion: latest.number });
        toast(`Version ${version} restored as version ${saved.number}`);
        setRefresh((n) => n + 1);
        // asked above already: move without asking again
        if (route.version || route.diff || route.run) navigate({ page: 'pipeline', name: route.name });
        else reload();
      } catch (err) {
        toast((err as Error).message, 'error');
      }
    },
    [api, route, navigate, reload, toast, mayDropChanges],
  );

  const { start, cancel, follow } = useRun(api, runs, route.name, () => setRefresh((n) => n + 1));
  useFollowRun(api, runs, shown);
  // a run this tab started and a reload interrupted is picked up again once the canvas is shown
  useEffect(() => {
    const id = editing ? liveRun(route.name) : undefined;
    if (id) void follow(id);
  }, [editing, route.name, follow]);
  const run = useCallback(
    (inputs: Record<string, unknown>) => {
      setTab('run');
      const doc = store.document();
      // pins belong to the draft: a run that uses them sends the draft itself
      const pinned = shown?.mode === 'edit' ? pins.forNodes(new Set(doc.nodes.map((n) => n.id))) : undefined;
      if (pinned) return start({ document: doc, inputs, pins: pinned });
      // a saved, unchanged version runs by reference, so the run is listed with it
      const version = shown?.mode === 'edit' && !dirty ? shown.version : shown?.mode === 'version' ? shown.version : null;
      start(version ? { pipeline: route.name, version, inputs } : { document: doc, inputs });
    },
    [shown, dirty, route.name, store, start, pins],
  );

  /** Re-runs a node and what is downstream of it, reusing the outputs an earlier run (chosen in RunFromDialog) recorded upstream. */
  const runFrom = useCallback(
    (node: string, run: string) => {
      setTab('run');
      const doc = store.document();
      const pinned = pins.forNodes(new Set(doc.nodes.map((n) => n.id)));
      start({ document: doc, from: { run, node }, ...(pinned ? { pins: pinned } : {}) });
    },
    [store, pins, start],
  );

  const openChild = useCallback(
    (id: string) => {
      const ref = store.document().nodes.find((n) => n.id === id)?.config.ref;
      if (typeof ref !== 'string' || !ref) return toast(`The pipeline node "${id}" names no stored pipeline yet`, 'error');
      childPipelines.find(ref).then(
        (child) => leave({ page: 'pipeline', name: child.name, version: child.version, via: [route.name, ...(route.via ?? [])] }),
        (err: Error) => toast(`The pipeline node "${id}" does not resolve to a stored pipeline: ${err.message}`, 'error'),
      );
    },
    [store, leave, route.name, route.via, toast],
  );

  const menuActions = useCallback(
    (id: string): NodeMenuAction[] => {
      const node = store.document().nodes.find((n) => n.id === id);
      const calls = !!node && node.type === 'pipeline' && !!getNodeType(node.type)?.childRefs;
      const pinned = pins.has(id);
      return [
        { id: 'run-from', label: 'Run from here…', disabled: !editing, run: () => setRunningFrom(id) },
        pinned
          ? { id: 'unpin', label: 'Unpin output', disabled: !editing, run: () => pins.unpin(id) }
          : {
              id: 'pin',
              label: 'Pin output…',
              disabled: !editing,
              run: () =>
                void runs.whole(runs.getNode(id)?.trace?.outputs).then(
                  (initial) => setPinning({ id, initial }),
                  (err: Error) => toast(`Could not load the node's outputs: ${err.message}`, 'error'),
                ),
            },
        {
          id: 'duplicate',
          label: 'Duplicate',
          disabled: !editing,
          run: () => {
            store.select([id]);
            const payload = store.copySelection();
            if (payload) store.paste(payload);
          },
        },
        {
          id: 'delete',
          label: 'Delete',
          disabled: !editing,
          run: () => {
            store.select([id]);
            store.deleteSelection();
            pins.unpin(id);
          },
        },
        ...(calls ? [{ id: 'open-child', label: 'Open child pipeline', run: () => openChild(id) }] : []),
      ];
    },
    [store, pins, editing, openChild, runs, toast],
  );

  useShortcuts({
    undo: store.undo,
    redo: store.redo,
    delete: () => store.deleteSelection(),
    selectAll: () => store.select(store.getState().nodes.map((n) => n.id)),
    save: () => editing && setSaving({ busy: false }),
    layout: () => editing && layout(),
    fit: () => fit(200),
    run: () => {
      setTab('run');
      setRunNow(true);
    },
    help: () => setHelp(true),
    copy: () => {
      const payload = store.copySelection();
      if (payload) clipboard.current = payload;
    },
    copyText: () => {
      const payload = store.copySelection();
      if (payload) clipboard.current = payload;
      return payload && JSON.stringify(payload);
    },
    pasteText: (text) => {
      if (!editing) return;
      const read = text ? readPayload(text) : undefined;
      if (read && 'problem' in read) return toast(read.problem, 'error');
      const payload = read?.payload ?? clipboard.current;
      if (payload) store.paste(payload);
    },
  });

  if (route.problem) {
    // An address that names no version: retrying it cannot help, the latest version can.
    return <PageLoadError name={route.name} message={route.problem} onBack={() => navigate({ page: 'list' })} onRetry={() => navigate({ page: 'pipeline', name: route.name })} retryLabel="Open the latest version" />;
  }
  if (error) {
    return <PageLoadError name={route.name} message={error} onBack={() => navigate({ page: 'list' })} onRetry={reload} />;
  }

  return (
    <CanvasContext.Provider value={canvasServices}>
      <main className={editing ? 'editor' : 'editor no-palette'} data-testid="editor" data-mode={shown?.mode ?? 'loading'}>
        <Toolbar
          name={route.name}
          shown={shown}
          dirty={dirty}
          canUndo={canUndo}
          canRedo={canRedo}
          problemCount={problems.length}
          onGo={leave}
          onSave={() => setSaving({ busy: false })}
          onUndo={store.undo}
          onRedo={store.redo}
          onLayout={layout}
          onFit={() => fit(200)}
          onExport={exportDocument}
          onEditLatest={() => go({})}
          onRestore={() => shown?.mode === 'version' && restore(shown.version)}
          onHelp={() => setHelp(true)}
        />
        {editing && <Palette types={catalog} disabled={false} onAdd={addAtCentre} />}
        <div ref={canvasRef} style={{ minHeight: 0, display: 'grid', gridTemplateRows: route.via?.length ? 'auto 1fr' : undefined }}>
          {route.via && route.via.length > 0 && (
            <nav className="breadcrumb" aria-label="Opened from" data-testid="breadcrumb">
              {[...route.via].reverse().map((name, i, all) => (
                <span key={name + i}>
                  <a
                    href="#"
                    data-testid={`breadcrumb-${name}`}
                    onClick={(e) => {
                      e.preventDefault();
                      leave({ page: 'pipeline', name, ...(i > 0 ? { via: all.slice(0, i).reverse() } : {}) });
                    }}
                  >
                    {name}
                  </a>{' '}
                  ›
                </span>
              ))}
              <strong>{route.name}</strong>
            </nav>
          )}
          <Canvas store={store} onDropType={(type, at) => editing && addNode(type, at)} onRefused={refuse} onNodeMenu={(id, at) => setMenu({ id, at })} onOpenNode={openInspector} />
        </div>
        {menu && <NodeMenu node={menu.id} at={menu.at} actions={menuActions(menu.id)} onClose={() => setMenu(undefined)} />}
        {pinning && (
          <PinDialog
            node={pinning.id}
            initial={pinning.initial}
            onPin={(outputs) => pins.pin(pinning.id, outputs)}
            onClose={() => setPinning(undefined)}
          />
        )}
        <SidePanel store={store} shown={shown} catalog={catalog} providers={providers} problems={problems} />
        <BottomPanel
          tab={tab}
          onTab={setTab}
          name={route.name}
          shown={shown}
          store={store}
          runs={runs}
          problems={problems}
          refresh={refresh}
          onJump={jumpTo}
          onRun={run}
          runNow={runNow}
          onRunHandled={() => setRunNow(false)}
          onCancel={cancel}
          onOpenVersion={(n) => go({ version: n })}
          onDiff={(from, to) => go({ diff: { from, to } })}
          onRestore={restore}
          onOpenRun={(id) => go({ run: id })}
        />
        {runningFrom && (
          <RunFromDialog
            pipeline={route.name}
            node={runningFrom}
            lastRun={runs.getRun().runId ?? undefined}
            onRun={(run) => runFrom(runningFrom, run)}
            onClose={() => setRunningFrom(undefined)}
          />
        )}
        {help && <HelpDialog onClose={() => setHelp(false)} />}
        {saving && (
          <SaveDialog
            base={shown?.mode === 'edit' ? shown.version : null}
            name={route.name}
            conflict={saving.conflict}
            deleted={saving.deleted}
            busy={saving.busy}
            error={saving.error}
            onSave={save}
            onLoadLatest={() => {
              setSaving(undefined);
              // the dialog's choice was to drop the changes: nothing to ask again
              if (route.version) navigate({ page: 'pipeline', name: route.name });
              else reload();
            }}
            onClose={() => setSaving(undefined)}
          />
        )}
      </main>
    </CanvasContext.Provider>
  );
}
