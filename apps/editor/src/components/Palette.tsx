import type { NodeTypeInfo } from '../lib/api';
import { NODE_DRAG_TYPE } from './Canvas';

const CATEGORY_ORDER = ['io', 'model', 'data', 'logic', 'tool'];
const CATEGORY_TITLES: Record<string, string> = { io: 'Inputs & outputs', model: 'Models', data: 'Data', logic: 'Logic', tool: 'Tools' };

/** Node types from `GET /api/node-types`, grouped; drag one onto the canvas (or click to add it in the middle). */
export function Palette({ types, disabled, onAdd }: { types: NodeTypeInfo[] | undefined; disabled: boolean; onAdd(type: string): void }) {
  if (!types) return <aside className="palette muted">Loading node types…</aside>;
  const categories = [...new Set(types.map((t) => t.category))].sort((a, b) => rank(a) - rank(b));
  return (
    <aside className="palette" data-testid="palette" aria-label="Node types">
      {categories.map((category) => (
        <section key={category}>
          <h3 className="muted">{CATEGORY_TITLES[category] ?? category}</h3>
          {types
            .filter((t) => t.category === category)
            .map((t) => (
              <div
                key={t.type}
                className="palette-item"
                data-testid={`palette-${t.type}`}
                draggable={!disabled}
                title={t.description}
                role="button"
                tabIndex={0}
                aria-disabled={disabled}
                onDragStart={(e) => {
                  e.dataTransfer.setData(NODE_DRAG_TYPE, t.type);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                onClick={() => !disabled && onAdd(t.type)}
                onKeyDown={(e) => e.key === 'Enter' && !disabled && onAdd(t.type)}
              >
                {t.title}
                <small>{t.description}</small>
              </div>
            ))}
        </section>
      ))}
    </aside>
  );
}

const rank = (category: string) => {
  const i = CATEGORY_ORDER.indexOf(category);
  return i === -1 ? CATEGORY_ORDER.length : i;
};
