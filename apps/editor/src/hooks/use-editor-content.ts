import { useCallback, useEffect, useRef, useState } from 'react';
import type { PipelineDocument } from '@patchbay/core';
import { ApiError, type Api, type RunRecord } from '../lib/api';
import { isOnCanvas } from '../lib/canvas-position';
import { diffOverlay, type DiffOverlay } from '../lib/diff-overlay';
import type { EditorStore } from '../lib/editor-store';
import { emptyDocument } from '../lib/flow-model';
import type { Route } from '../lib/route';
import type { RunStore } from '../lib/run-store';

/** What the canvas shows. */
export type Shown =
  /** The latest version (or a new, unsaved pipeline), editable; `version` is what a save is based on. */
  | { mode: 'edit'; version: number | null; latest: number | null }
  /** An older version, read-only. */
  | { mode: 'version'; version: number; latest: number }
  | { mode: 'diff'; from: number; to: number; overlay: DiffOverlay; latest: number }
  /** A past run on the document it ran, read-only, with every node's state. */
  | { mode: 'run'; run: RunRecord; latest: number | null };

/** Nodes without a position (or off the canvas) are placed by the layout; dagre loads only when a document needs it. */
export async function placed(doc: PipelineDocument): Promise<PipelineDocument> {
  if (doc.nodes.every((n) => isOnCanvas(n.position))) return doc;
  const { placeMissing } = await import('../lib/layout');
  return placeMissing(doc);
}

/**
 * Loads what the address asks for onto the canvas: the latest version, an old
 * one, a diff of two, or a past run. A slower earlier load never overwrites a
 * later one.
 */
export function useEditorContent(
  api: Api,
  route: Extract<Route, { page: 'pipeline' }>,
  store: EditorStore,
  runs: RunStore,
  /** Called with a document just before it goes on the canvas (to fit the view to it first). */
  beforeShow: (doc: PipelineDocument) => void = () => {},
) {
  const [shown, setShown] = useState<Shown>();
  const [error, setError] = useState<string>();
  const [loads, setLoads] = useState(0);
  const [nonce, setNonce] = useState(0);
  const generation = useRef(0);
  const { name, version, run } = route;
  const from = route.diff?.from;
  const to = route.diff?.to;
  // read when loading, not a reason to load again: the first save drops it from the address
  const draft = useRef(route.draft);
  draft.current = route.draft;

  // fetches, then returns what puts it on the canvas, so only the newest load applies
  const fetchContent = useCallback(async (): Promise<() => Shown> => {
    if (from !== undefined && to !== undefined) {
      const [a, b, latest] = await Promise.all([api.getVersion(name, from), api.getVersion(name, to), api.latestVersion(name)]);
      const overlay = diffOverlay(await placed(a.document), await placed(b.document));
      return () => {
        beforeShow(overlay.doc);
        store.load(overlay.doc, { readOnly: true, marks: overlay });
        runs.reset();
        return { mode: 'diff', from, to, overlay, latest: latest.number };
      };
    }
    if (run) {
      const record = await api.getRun(run);
      const latest = await api.latestVersion(name).catch(() => undefined);
      const doc = record.document ?? (record.pipeline && record.version ? (await api.getVersion(record.pipeline, record.version)).document : undefined);
      if (!doc) throw new Error(`run ${run} has no document to show`);
      const ready = await placed(doc);
      return () => {
        beforeShow(ready);
        store.load(ready, { readOnly: true });
        runs.load(record);
        return { mode: 'run', run: record, latest: latest?.number ?? null };
      };
    }
    const latest = await api.latestVersion(name).catch((err: unknown) => {
      // a draft made by Create: nothing is stored until its first save makes version 1
      if (draft.current && err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    });
    if (!latest) {
      const doc = emptyDocument(name);
      return () => {
        beforeShow(doc);
        store.load(doc);
        runs.reset();
        return { mode: 'edit', version: null, latest: null };
      };
    }
    if (version && version !== latest.number) {
      const old = await placed((await api.getVersion(name, version)).document);
      return () => {
        beforeShow(old);
        store.load(old, { readOnly: true });
        runs.reset();
        return { mode: 'version', version, latest: latest.number };
      };
    }
    const doc = await placed(latest.document);
    return () => {
      beforeShow(doc);
      store.load(doc);
      runs.reset();
      return { mode: 'edit', version: latest.number, latest: latest.number };
    };
  }, [api, name, version, run, from, to, store, runs, beforeShow]);

  useEffect(() => {
    const mine = ++generation.current;
    setError(undefined);
    fetchContent().then(
      (apply) => {
        if (mine !== generation.current) return;
        setShown(apply());
        setLoads((n) => n + 1);
      },
      (err: Error) => mine === generation.current && setError(err.message),
    );
  }, [fetchContent, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { shown, setShown, error, loads, reload };
}
