import type { DiffOverlay } from '../lib/diff-overlay';
import { FieldChanges } from './FieldChanges';

/** Everything that changed between the two versions on the canvas; a click selects the node. */
export default function DiffPanel({ overlay, from, to, onJump }: { overlay: DiffOverlay; from: number; to: number; onJump(id: string): void }) {
  const { diff } = overlay;
  if (diff.identical) return <p data-testid="diff-summary">v{from} and v{to} are the same pipeline (layout aside).</p>;
  const nodeButton = (id: string) => (
    <button className="linklike" onClick={() => onJump(id)}>
      {id}
    </button>
  );
  return (
    <div data-testid="diff-summary">
      <p className="muted">
        v{from} → v{to}: <span style={{ color: 'var(--added)' }}>{diff.nodes.added.length} added</span>, <span style={{ color: 'var(--removed)' }}>{diff.nodes.removed.length} removed</span>,{' '}
        <span style={{ color: 'var(--changed)' }}>{diff.nodes.changed.length} changed</span> nodes; {diff.edges.added.length} edges added, {diff.edges.removed.length} removed.
      </p>
      {diff.meta.length > 0 && <FieldChanges fields={diff.meta} />}
      {diff.nodes.added.map((n) => (
        <div key={n.id} className="field-change" style={{ color: 'var(--added)' }}>
          + node {nodeButton(n.id)} ({n.type})
        </div>
      ))}
      {diff.nodes.removed.map((n) => (
        <div key={n.id} className="field-change" style={{ color: 'var(--removed)' }}>
          − node {nodeButton(n.id)} ({n.type})
        </div>
      ))}
      {diff.nodes.changed.map((c) => (
        <div key={c.id} style={{ marginBottom: 6 }}>
          <div style={{ color: 'var(--changed)' }}>~ node {nodeButton(c.id)}</div>
          <FieldChanges fields={c.fields} />
        </div>
      ))}
      {diff.edges.added.map((e) => (
        <div key={`+${e.from}${e.to}`} className="field-change" style={{ color: 'var(--added)' }}>
          + edge {e.from} → {e.to}
        </div>
      ))}
      {diff.edges.removed.map((e) => (
        <div key={`-${e.from}${e.to}`} className="field-change" style={{ color: 'var(--removed)' }}>
          − edge {e.from} → {e.to}
        </div>
      ))}
    </div>
  );
}
