import { useRef } from 'react';
import { RunnerNamePicker, useRunnerList } from './RunnerNamePicker';
import { TOOL_NAMES } from './ToolPicker';
import { ToolProblems } from './ToolProblems';

interface Props {
  id: string;
  /** The group's name for screen readers (the field's label). */
  label: string;
  value: string[];
  disabled?: boolean;
  onChange(names: string[]): void;
}

/**
 * A list of tool names (an agent's `tools`): each entry a tool picker, with Remove, and Add a tool.
 * The runner's tools are loaded once for the whole list (MCP tools mean asking MCP servers).
 */
export function ToolListPicker({ id, label, value, disabled, onChange }: Props) {
  const list = useRunnerList(TOOL_NAMES);
  const keys = useEntryKeys(value.length);
  return (
    <div role="group" id={id} aria-label={label} data-testid={`field-${id}`}>
      {value.map((name, i) => (
        <div key={keys.of(i)} className="tool-entry">
          <RunnerNamePicker
            id={`${id}-${i}`}
            label={`Tool ${i + 1}`}
            value={name}
            disabled={disabled}
            names={TOOL_NAMES}
            list={list}
            onChange={(next) => onChange(value.map((n, j) => (j === i ? next : n)))}
          />
          <button
            className="danger"
            data-testid={`field-${id}-${i}-remove`}
            aria-label={`Remove tool ${i + 1}${name ? ` (${name})` : ''}`}
            disabled={disabled}
            onClick={() => {
              keys.remove(i);
              onChange(value.filter((_, j) => j !== i));
            }}
          >
            Remove
          </button>
        </div>
      ))}
      {value.length === 0 && <p className="muted">No tools: the model can only answer.</p>}
      <ToolProblems id={id} />
      <button data-testid={`field-${id}-add`} disabled={disabled} onClick={() => onChange([...value, ''])}>
        Add a tool
      </button>
    </div>
  );
}

/**
 * A React key per entry that stays with it when an entry above is removed, so a picker's own
 * state (typing a name) does not pass to its neighbour. A list that grows or shrinks from outside (undo)
 * keeps the keys of its first entries.
 */
function useEntryKeys(length: number) {
  const next = useRef(0);
  const keys = useRef<number[]>([]);
  if (keys.current.length > length) keys.current = keys.current.slice(0, length);
  while (keys.current.length < length) keys.current.push(next.current++);
  return {
    of: (i: number) => keys.current[i],
    remove: (i: number) => {
      keys.current = keys.current.filter((_, j) => j !== i);
    },
  };
}
