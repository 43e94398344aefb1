import { GESTURES, SHORTCUTS } from '../lib/shortcuts';
import { Dialog } from './Dialog';

/** `?`: every shortcut and canvas gesture. */
export function HelpDialog({ onClose }: { onClose(): void }) {
  return (
    <Dialog title="Keyboard shortcuts" testId="help-dialog" onClose={onClose}>
      <table>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.description}</td>
            </tr>
          ))}
          {GESTURES.map((g) => (
            <tr key={g.keys}>
              <td>{g.keys}</td>
              <td>{g.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">Offline models (offline:echo, offline:extractive, …) are stand-ins for tests and demos, not language models.</p>
      <div className="buttons">
        <button onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </Dialog>
  );
}
