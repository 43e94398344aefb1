import { useState } from 'react';
import type { NodeTypeInfo } from '../lib/api';
import { NODE_DRAG_TYPE } from './Canvas';

const CATEGORY_ORDER = ['io', 'model', 'data', 'logic', 'tool'];
const CATEGORY_TITLES: Record<string, string> = { io: 'Inputs & outputs', model: 'Models', data: 'Data', logic: 'Logic', tool: 'Tools' };

/** Types whose name, title or description has every word of the query. */
export function matchTypes(types: NodeTypeInfo[], query: string): NodeTypeInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return types;
  return types.filter((t) => {
    const text = `${t.type} ${t.title} ${t.description}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/**
 * Node types from `GET /api/node-types`, grouped; drag one onto the canvas (or
 * click to add it in the middle). The search box filters as you type; Enter
 * adds the first match at the centre of the view.
 */
export function Palette({ types: all, disabled, onAdd }: { types: NodeTypeInfo[] | undefined; disabled: boolean; onAdd(type: string): void }) {
  const [query, setQuery] = useState('');
  if (!all) return <aside className="palette muted">Loading node types…</aside>;
  const types = matchTypes(all, query);
  const categories = [...new Set(types.map((t) => t.category))].sort((a, b) => rank(a) - rank(b));
  // Enter adds the first one shown
  const first = categories.flatMap((c) => types.filter((t) => t.category === c))[0];
  return (
    <aside className="palette" data-testid="palette" aria-label="Node types">
      <input
        className="palette-search"
        type="search"
        placeholder="Search nodes…"
        aria-label="Search node types"
        data-testid="palette-search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && first && !disabled) {
            onAdd(first.type);
            setQuery('');
          } else if (e.key === 'Escape') setQuery('');
        }}
      />
      {types.length === 0 && <p className="muted">No node type matches “{query}”.</p>}
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
                onKeyDown={(e) => {
                  // a button's keys: Enter and Space add the node in the middle of the canvas
                  if ((e.key !== 'Enter' && e.key !== ' ') || disabled) return;
                  e.preventDefault();
                  onAdd(t.type);
                }}
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
