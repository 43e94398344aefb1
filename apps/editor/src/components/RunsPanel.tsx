import { RunsBrowser } from '../runs/RunsBrowser';

/** Past runs of this pipeline, newest first, with filters and "Add to dataset"; Open shows one on the canvas with every node's state. */
export default function RunsPanel({ name, refreshKey, shown, onOpen }: { name: string; refreshKey: number; shown?: string; onOpen(id: string): void }) {
  return (
    <div data-testid="runs-panel">
      <RunsBrowser pipeline={name} refreshKey={refreshKey} shown={shown} onOpen={onOpen} />
    </div>
  );
}
