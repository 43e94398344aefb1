import { useState } from 'react';
import { versionMessageProblem } from '@patchbay/core';
import { Dialog } from './Dialog';

interface Props {
  /** The pipeline's name, as the dialog names it. */
  name: string;
  base: number | null;
  /** Set after a 409: the number of the newer version. */
  conflict?: number;
  /** Set after a 404: the pipeline was deleted since it was opened. */
  deleted?: boolean;
  busy: boolean;
  error?: string;
  onSave(message: string, baseVersion: number | null): void;
  onLoadLatest(): void;
  onClose(): void;
}

/**
 * Save a new version: a message is required; a 409 offers to load the newer version or save on
 * top of it; a pipeline deleted meanwhile offers to save the canvas again as its version 1.
 */
export function SaveDialog({ name, base, conflict, deleted, busy, error, onSave, onLoadLatest, onClose }: Props) {
  const [message, setMessage] = useState('');
  const trimmed = message.trim();
  // said before sending: the runner would refuse it with 400
  const problem = versionMessageProblem(trimmed);
  const ready = !!trimmed && !problem;
  return (
    <Dialog title="Save a new version" testId="save-dialog" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready && conflict === undefined && !deleted) onSave(trimmed, base);
        }}
      >
        <label htmlFor="save-message">What changed (required)</label>
        <input
          id="save-message"
          data-testid="save-message"
          autoFocus
          value={message}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'save-message-problem' : undefined}
          onChange={(e) => setMessage(e.target.value)}
          placeholder="Tighter system prompt"
        />
        {problem && (
          <p className="error-text" id="save-message-problem" data-testid="save-message-problem">
            What changed: {problem}
          </p>
        )}
        {error && <p className="error-text">{error}</p>}
        {deleted ? (
          <div data-testid="save-deleted">
            <p className="error-text">
              {name} was deleted since you opened it. Your changes are still on the canvas.
            </p>
            <div className="buttons">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button type="button" className="primary" data-testid="save-recreate" disabled={!ready || busy} onClick={() => onSave(trimmed, null)}>
                Save as version 1 of a new {name}
              </button>
            </div>
          </div>
        ) : conflict !== undefined ? (
          <div data-testid="save-conflict">
            <p className="error-text">
              Version {conflict} was saved since you opened {base ? `version ${base}` : 'this pipeline'}. Your changes are still on the canvas.
            </p>
            <div className="buttons">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button type="button" data-testid="load-latest" onClick={onLoadLatest}>
                Load version {conflict} (drop my changes)
              </button>
              <button type="button" className="primary" data-testid="save-on-top" disabled={!ready || busy} onClick={() => onSave(trimmed, conflict)}>
                Save on top of version {conflict}
              </button>
            </div>
          </div>
        ) : (
          <div className="buttons">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" data-testid="save-confirm" disabled={!ready || busy}>
              Save version
            </button>
          </div>
        )}
      </form>
    </Dialog>
  );
}
