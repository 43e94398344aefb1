import { useEffect, useState } from 'react';
import { pipelineRefs, validatePipeline, type Problem } from '@patchbay/core';
import { childPipelines } from '../lib/child-pipelines';
import type { EditorStore } from '../lib/editor-store';
import type { NodeProblemsStore } from '../lib/node-problems-store';
import { problemsByNode } from '../lib/problems';
import { useCanvasSelector } from './use-canvas-selector';

const NONE: Problem[] = [];
/** Typing pauses this long before the document is validated again. */
const SETTLE_MS = 120;

/**
 * Validates the canvas's document with core's `validatePipeline` after changes
 * that matter (not moves), once typing settles and off the path of the first
 * paint: validating a 1,000-node pipeline takes a while, and neither opening
 * it nor a keystroke should wait for that. Each node gets its own problems.
 */
export function useProblems(store: EditorStore, nodeProblems: NodeProblemsStore, enabled: boolean): Problem[] {
  const structure = useCanvasSelector(store, (s) => s.structure);
  const [problems, setProblems] = useState<Problem[]>(NONE);
  // a stored pipeline a node calls has resolved: its ports are drawn and judged again
  const [resolved, setResolved] = useState(0);
  useEffect(
    () =>
      childPipelines.subscribe(() => {
        store.refreshPorts();
        setResolved((n) => n + 1);
      }),
    [store],
  );
  useEffect(() => {
    if (!enabled) {
      setProblems(NONE);
      nodeProblems.set(new Map());
      return;
    }
    let idle: number | undefined;
    const validate = () => {
      const doc = store.document();
      childPipelines.ensure(pipelineRefs(doc));
      const found = validatePipeline(doc, { pipelines: childPipelines.lookup }).problems;
      setProblems(found.length ? found : NONE);
      nodeProblems.set(problemsByNode(found, doc));
    };
    // after typing settles, and when the browser has a moment (a big canvas is drawn first)
    const timer = setTimeout(() => {
      if (typeof requestIdleCallback === 'function') idle = requestIdleCallback(validate, { timeout: 1_000 });
      else validate();
    }, SETTLE_MS);
    return () => {
      clearTimeout(timer);
      if (idle !== undefined) cancelIdleCallback(idle);
    };
  }, [store, nodeProblems, structure, enabled, resolved]);
  return problems;
}
