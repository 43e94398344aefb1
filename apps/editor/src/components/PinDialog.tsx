import { useState } from 'react';
import { TextBox } from './TextBox';
import { Dialog } from './Dialog';

/**
 * Pins a node's output: its outputs by port as JSON, filled in from the last
 * run when there was one. Editor runs then use it instead of running the node.
 */
export function PinDialog({ node, initial, onPin, onClose }: { node: string; initial: Record<string, unknown> | undefined; onPin(outputs: Record<string, unknown>): void; onClose(): void }) {
  const [text, setText] = useState(() => JSON.stringify(initial ?? {}, null, 2));
  const [error, setError] = useState<string>();
  const pin = () => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return setError(`not JSON: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return setError('give the outputs as an object by port name, e.g. {"text": "…"}');
    onPin(value as Record<string, unknown>);
    onClose();
  };
  return (
    <Dialog title={`Pin the output of ${node}`} testId="pin-dialog" onClose={onClose}>
      <div className="pin-dialog">
        <p className="muted">Runs in the editor use these outputs instead of running the node. Pins stay with this draft in your browser; they are never saved in a version.</p>
        <label>
          Outputs by port (JSON)
          <TextBox data-testid="pin-json" value={text} onText={setText} spellCheck={false} />
        </label>
        {error && <p className="error-text">{error}</p>}
        <div>
          <button data-testid="pin-save" onClick={pin}>
            Pin
          </button>{' '}
          <button onClick={onClose}>Cancel</button>
        </div>
      </div>
    </Dialog>
  );
}
