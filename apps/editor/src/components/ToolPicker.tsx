import { useEffect, useState } from 'react';
import { useApi } from './ApiContext';

const OTHER = '__other__';

interface ToolInfo {
  name: string;
  description: string;
}

/**
 * A tool field: pick one of the runner's tools (`GET /api/tools`: built-in, SQL, custom, MCP),
 * each with its description on hover, or type a name (a tool configured later).
 */
export function ToolPicker({ id, value, disabled, onChange }: { id: string; value: string; disabled?: boolean; onChange(name: string): void }) {
  const api = useApi();
  const [tools, setTools] = useState<ToolInfo[]>();
  // a list that could not be loaded is not an empty list: the field says which it is
  const [failure, setFailure] = useState<string>();
  const [typing, setTyping] = useState(false);
  useEffect(() => {
    let live = true;
    api.listTools().then(
      (list) => live && setTools(list),
      (err: unknown) => {
        if (!live) return;
        setFailure(err instanceof Error ? err.message : String(err));
        setTools([]);
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const known = tools?.some((t) => t.name === value) ?? false;
  // a name that is not one of the runner's tools is shown as typed text
  const other = typing || (value !== '' && tools !== undefined && !known);
  const chosen = tools?.find((t) => t.name === value);
  return (
    <>
      <select
        id={id}
        data-testid={`field-${id}`}
        value={other ? OTHER : value}
        disabled={disabled || tools === undefined}
        onChange={(e) => {
          if (e.target.value === OTHER) return setTyping(true);
          setTyping(false);
          onChange(e.target.value);
        }}
      >
        <option value="">{tools === undefined ? 'Loading tools…' : '— choose a tool —'}</option>
        {tools?.map((t) => (
          <option key={t.name} value={t.name} title={t.description}>
            {t.name}
          </option>
        ))}
        <option value={OTHER}>Other (type a name)…</option>
      </select>
      {other && <input data-testid={`field-${id}-custom`} aria-label="Tool name" placeholder="calculator" value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} />}
      {chosen && !other && <p className="muted">{chosen.description}</p>}
      {failure !== undefined && (
        <p className="muted" role="alert" data-testid={`field-${id}-error`}>
          Could not load the runner’s tools: {failure}
        </p>
      )}
      {other && value !== '' && failure === undefined && tools !== undefined && !known && <p className="muted">The runner has no tool named “{value}”.</p>}
    </>
  );
}
