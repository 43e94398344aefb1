import { useEffect, useRef } from 'react';
import { actionFor, type ShortcutAction } from '../lib/shortcuts';

export type ShortcutHandlers = Partial<Record<ShortcutAction, () => void>> & {
  /** Clipboard text pasted onto the canvas (a copy from this or another tab), or undefined to use the last Copy. */
  pasteText?(text: string | undefined): void;
  copyText?(): string | undefined;
};

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

// actions that still work while a text box has the focus
const ALWAYS = new Set<ShortcutAction>(['save', 'run']);

/**
 * The editor's keyboard: one window listener dispatching SHORTCUTS. Copy and
 * paste also go through the real clipboard events, so nodes can move between
 * tabs; where a browser sends no paste event (headless), the last Copy is used.
 */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    let pendingPaste: ReturnType<typeof setTimeout> | undefined;
    const onKey = (e: KeyboardEvent) => {
      const action = actionFor(e);
      if (!action || (typingIn(e.target) && !ALWAYS.has(action))) return;
      if (action === 'copy') return ref.current.copy?.();
      if (action === 'paste') {
        // the paste event (with the clipboard's text) follows this key press when the browser sends one
        clearTimeout(pendingPaste);
        pendingPaste = setTimeout(() => ref.current.pasteText?.(undefined), 60);
        return;
      }
      const handler = ref.current[action];
      if (!handler) return;
      e.preventDefault();
      handler();
    };
    const onCopy = (e: ClipboardEvent) => {
      if (typingIn(e.target)) return;
      const text = ref.current.copyText?.();
      if (!text || !e.clipboardData) return;
      e.clipboardData.setData('text/plain', text);
      e.preventDefault();
    };
    const onPaste = (e: ClipboardEvent) => {
      if (typingIn(e.target)) return;
      clearTimeout(pendingPaste);
      e.preventDefault();
      ref.current.pasteText?.(e.clipboardData?.getData('text/plain') || undefined);
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('paste', onPaste);
    return () => {
      clearTimeout(pendingPaste);
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('paste', onPaste);
    };
  }, []);
}
