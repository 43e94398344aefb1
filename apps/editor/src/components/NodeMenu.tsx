import { useEffect, useRef } from 'react';

export interface NodeMenuAction {
  id: string;
  label: string;
  disabled?: boolean;
  run(): void;
}

/** The right-click menu of a node: a short list of actions; Escape, a click elsewhere or a choice closes it. */
export function NodeMenu({ at, node, actions, onClose }: { at: { x: number; y: number }; node: string; actions: NodeMenuAction[]; onClose(): void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.querySelector<HTMLButtonElement>('button:not([disabled])')?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    const onDown = (e: MouseEvent) => !box.current?.contains(e.target as Node) && onClose();
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', onDown);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', onDown);
    };
  }, [onClose]);
  return (
    <div ref={box} className="node-menu" role="menu" aria-label={`Actions for node ${node}`} data-testid="node-menu" style={{ left: at.x, top: at.y }}>
      {actions.map((action) => (
        <button
          key={action.id}
          role="menuitem"
          data-testid={`node-menu-${action.id}`}
          disabled={action.disabled}
          onClick={() => {
            onClose();
            action.run();
          }}
        >
          {action.label}
        </button>
      ))}
    </div>
  );
}
