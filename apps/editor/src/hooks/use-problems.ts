import { useDeferredValue, useEffect, useMemo } from 'react';
import { validatePipeline, type Problem } from '@patchbay/core';
import type { EditorStore } from '../lib/editor-store';
import type { NodeProblemsStore } from '../lib/node-problems-store';
import { problemsByNode } from '../lib/problems';
import { useCanvasSelector } from './use-canvas-selector';

const NONE: Problem[] = [];

/**
 * Validates the canvas's document with core's `validatePipeline` after every
 * change that matters (not moves), deferred so typing never waits for it, and
 * hands each node its own problems.
 */
export function useProblems(store: EditorStore, nodeProblems: NodeProblemsStore, enabled: boolean): Problem[] {
  const structure = useCanvasSelector(store, (s) => s.structure);
  const deferred = useDeferredValue(structure);
  const problems = useMemo(() => (enabled ? validatePipeline(store.document()).problems : NONE), [store, deferred, enabled]);
  useEffect(() => nodeProblems.set(problemsByNode(problems, store.document())), [problems, nodeProblems, store]);
  return problems;
}
