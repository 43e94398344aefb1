import type { PipelineDocument, Problem } from '@patchbay/core';
import { problemNodes } from '../lib/problems';

/** Every validation problem of the canvas's document; a click jumps to the node it is about. */
export function ProblemsPanel({ problems, doc, onJump }: { problems: readonly Problem[]; doc: PipelineDocument; onJump(id: string): void }) {
  // An empty canvas has one problem (no nodes), which the line below says better for a start.
  if (problems.every((p) => p.code === 'empty-pipeline')) {
    // nothing to run yet: an empty canvas is not "a pipeline that can run"
    const ends = (type: string) => doc.nodes.some((n) => n.type === type);
    if (!ends('input') || !ends('output')) {
      return (
        <p className="muted" data-testid="empty-pipeline">
          Add an input and an output to begin
        </p>
      );
    }
    return <p className="muted" data-testid="no-problems">No problems: this pipeline can run.</p>;
  }
  return (
    <div data-testid="problems-panel">
      {problems.map((problem, i) => {
        const [node] = problemNodes(problem, doc);
        return (
          <button key={i} className="problem" data-testid="problem" disabled={!node} onClick={() => node && onJump(node)}>
            {node && <strong>{node}: </strong>}
            {problem.message} <code>{problem.path}</code>
          </button>
        );
      })}
    </div>
  );
}
