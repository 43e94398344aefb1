import type { NodeTrace } from '@patchbay/core';
import { formatMs } from '../lib/duration';
import { shownValue } from '../lib/cut-values';

/**
 * What a composed node ran, under it: a `pipeline` node's child run (each of
 * its nodes with status, time and outputs) or a `map` node's items.
 */
export function ChildRunDetails({ trace }: { trace: NodeTrace | undefined }) {
  if (trace?.status === 'reused') {
    return (
      <p className="muted" data-testid="node-run-reused">
        {trace.pinned ? 'Pinned output: this node did not run.' : `Reused from run ${trace.reusedFrom ?? ''}: this node did not run.`}
      </p>
    );
  }
  if (trace?.child) {
    const child = trace.child;
    return (
      <section data-testid="child-run">
        <h3>
          Child run: {child.pipeline} v{child.version}
          {child.label ? ` (@${child.label})` : ''} <span className={`status ${child.status}`}>{child.status}</span>
        </h3>
        <table className="grid">
          <tbody>
            {Object.values(child.nodes).map((node) => (
              <tr key={node.id} data-testid={`child-node-${node.id}`}>
                <td>
                  <code>{node.id}</code> <span className="muted">{node.type}</span>
                </td>
                <td>
                  <span className={`status ${node.status}`}>{node.status}</span>
                </td>
                <td>{node.durationMs !== undefined ? formatMs(node.durationMs) : ''}</td>
                <td>
                  <code>{node.error ?? (node.outputs ? JSON.stringify(shownValue(node.outputs)).slice(0, 120) : '')}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    );
  }
  if (trace?.items) {
    const failed = trace.items.filter((i) => i.status !== 'succeeded').length;
    return (
      <section data-testid="map-items">
        <h3>
          Items: {trace.items.length}
          {failed ? `, ${failed} not succeeded` : ''}
        </h3>
        <table className="grid">
          <tbody>
            {trace.items.slice(0, 200).map((item) => (
              <tr key={item.index}>
                <td>#{item.index}</td>
                <td>
                  <span className={`status ${item.status}`}>{item.status}</span>
                </td>
                <td>{formatMs(item.durationMs)}</td>
                <td>{item.error ?? (item.tokens !== undefined ? `${item.tokens} tokens` : '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {trace.items.length > 200 && <p className="muted">The first 200 of {trace.items.length} items.</p>}
      </section>
    );
  }
  return null;
}
