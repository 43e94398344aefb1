/** Every keyboard shortcut, in one list: the key handler and the help dialog (`?`) both read it. */
export type ShortcutAction = 'undo' | 'redo' | 'copy' | 'paste' | 'delete' | 'selectAll' | 'save' | 'layout' | 'fit' | 'run' | 'help';

export interface Shortcut {
  action: ShortcutAction;
  keys: string;
  description: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'undo', keys: 'Ctrl/⌘ + Z', description: 'Undo' },
  { action: 'redo', keys: 'Shift + Ctrl/⌘ + Z  or  Ctrl + Y', description: 'Redo' },
  { action: 'copy', keys: 'Ctrl/⌘ + C', description: 'Copy the selected nodes' },
  { action: 'paste', keys: 'Ctrl/⌘ + V', description: 'Paste nodes' },
  { action: 'delete', keys: 'Delete  or  Backspace', description: 'Delete the selection' },
  { action: 'selectAll', keys: 'Ctrl/⌘ + A', description: 'Select every node' },
  { action: 'save', keys: 'Ctrl/⌘ + S', description: 'Save a new version' },
  { action: 'layout', keys: 'L', description: 'Auto-layout' },
  { action: 'fit', keys: 'F', description: 'Fit the pipeline into view' },
  { action: 'run', keys: 'Ctrl/⌘ + Enter', description: 'Run' },
  { action: 'help', keys: '?', description: 'This list' },
];

/** Extra gestures the canvas itself handles, listed in the help dialog. */
export const GESTURES: readonly { keys: string; description: string }[] = [
  { keys: 'Drag a type from the palette, or click it', description: 'Add a node' },
  { keys: 'Drag from an output to an input', description: 'Connect (refused with the reason when the types do not fit)' },
  { keys: 'Shift + drag on the canvas', description: 'Select with a box' },
  { keys: 'Ctrl/⌘ + click', description: 'Add to the selection' },
  { keys: 'Drag on the canvas, scroll', description: 'Pan, zoom' },
  { keys: 'Tab to a node, Enter', description: 'Select it and edit it in the inspector (Escape goes back to the node)' },
  { keys: 'Arrow keys on a selected node', description: 'Move the selection (with Shift: further)' },
];

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The action a key press means, if any. Keys typed into a text box are the caller's to filter out. */
export function actionFor(e: KeyLike): ShortcutAction | undefined {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (e.altKey) return undefined;
  if (mod) {
    if (key === 'z') return e.shiftKey ? 'redo' : 'undo';
    if (key === 'y' && !e.shiftKey) return 'redo';
    if (key === 'c') return 'copy';
    if (key === 'v') return 'paste';
    if (key === 'a') return 'selectAll';
    if (key === 's') return 'save';
    if (key === 'enter') return 'run';
    return undefined;
  }
  if (e.key === 'Delete' || e.key === 'Backspace') return 'delete';
  if (e.key === '?') return 'help';
  if (key === 'l' && !e.shiftKey) return 'layout';
  if (key === 'f' && !e.shiftKey) return 'fit';
  return undefined;
}
