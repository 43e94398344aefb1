import type { ConfigState } from './config-store';

/** The foot of one monitor or alert rule: switch it off, or remove it from the list. */
export function RowControls({ enabled, onEnabled, onRemove, enabledTestId, removeLabel }: { enabled: boolean; onEnabled(enabled: boolean): void; onRemove(): void; enabledTestId: string; removeLabel: string }) {
  return (
    <div className="row">
      <label className="inline">
        <input type="checkbox" checked={enabled} onChange={(e) => onEnabled(e.target.checked)} data-testid={enabledTestId} /> Enabled
      </label>
      <span className="spacer" />
      <button className="danger" onClick={onRemove} aria-label={removeLabel}>
        Remove
      </button>
    </div>
  );
}

interface FooterProps {
  state: Pick<ConfigState<unknown>, 'error' | 'dirty' | 'savedAt' | 'saving' | 'load'>;
  /** "Add monitor", "Add rule". */
  add: { label: string; testId: string; onAdd(): void };
  /** "Save monitors", "Save rules". */
  save: { label: string; testId: string; onSave(): void };
}

/** The foot of the monitors and alert rules lists: the save error, Add, whether the list is saved, Discard and Save. */
export function ListFooter({ state: s, add, save }: FooterProps) {
  return (
    <>
      {s.error && (
        <p className="error-text" role="alert">
          {s.error}
        </p>
      )}
      <div className="row">
        <button onClick={add.onAdd} data-testid={add.testId}>
          {add.label}
        </button>
        <span className="spacer" />
        {s.dirty && <span className="badge warn">unsaved</span>}
        {!s.dirty && s.savedAt && (
          <span className="muted" role="status">
            Saved.
          </span>
        )}
        <button onClick={() => void s.load()} disabled={!s.dirty || s.saving}>
          Discard changes
        </button>
        <button className="primary" onClick={save.onSave} disabled={!s.dirty || s.saving} data-testid={save.testId}>
          {s.saving ? 'Saving…' : save.label}
        </button>
      </div>
    </>
  );
}
