import { useEffect, useState, type ReactNode } from 'react';
import type { Api } from '../lib/api';
import { useApi } from './ApiContext';

const OTHER = '__other__';

/** What one kind of the runner's named things (its indexes, its tools) is and how a picker shows it. */
export interface RunnerNames<T extends { name: string }> {
  /** The runner's list (`GET /api/…`); a module-level function, so the list is loaded once. */
  load(api: Api): Promise<T[]>;
  /** "index", "tool": in "— choose an index —" and "The runner has no index named …". */
  noun: string;
  plural: string;
  article: 'a' | 'an';
  /** The typed-name box's example. */
  placeholder: string;
  /** An option's text (the name when not given). */
  optionLabel?(item: T): ReactNode;
  /** A thing's description: on hover over its option and under the field once chosen. */
  description?(item: T): string;
  /** Said when the runner has none at all. */
  none?: ReactNode;
  /** Said after "The runner has no NOUN named “NAME”" (e.g. " yet": one made later). */
  unknownTail?: string;
}

/** The runner's list as loaded: `items` undefined while loading; a failure is not an empty list. */
export interface RunnerList<T> {
  items?: T[];
  failure?: string;
}

/** Loads the list once per mounted field (again when the runner changes). */
export function useRunnerList<T extends { name: string }>(names: RunnerNames<T>): RunnerList<T> {
  const api = useApi();
  const [list, setList] = useState<RunnerList<T>>({});
  const { load } = names;
  useEffect(() => {
    let live = true;
    load(api).then(
      (items) => live && setList({ items }),
      (err: unknown) => live && setList({ items: [], failure: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, load]);
  return list;
}

interface Props<T extends { name: string }> {
  id: string;
  value: string;
  disabled?: boolean;
  /** The select's own name, where no <label> names it (an entry of a list). */
  label?: string;
  onChange(name: string): void;
  names: RunnerNames<T>;
  list: RunnerList<T>;
}

/**
 * A field naming one of the runner's things: pick it from the runner's list, or type a name
 * (one made later, e.g. on another machine). A name the runner does not have is shown as typed text.
 */
export function RunnerNamePicker<T extends { name: string }>({ id, value, disabled, label, onChange, names, list }: Props<T>) {
  const { items, failure } = list;
  const [typing, setTyping] = useState(false);
  const chosen = items?.find((t) => t.name === value);
  const other = typing || (value !== '' && items !== undefined && !chosen);
  const description = chosen && names.description?.(chosen);
  return (
    <>
      <select
        id={id}
        data-testid={`field-${id}`}
        aria-label={label}
        value={other ? OTHER : value}
        disabled={disabled || items === undefined}
        onChange={(e) => {
          if (e.target.value === OTHER) return setTyping(true);
          setTyping(false);
          onChange(e.target.value);
        }}
      >
        <option value="">{items === undefined ? `Loading ${names.plural}…` : `— choose ${names.article} ${names.noun} —`}</option>
        {items?.map((t) => (
          <option key={t.name} value={t.name} title={names.description?.(t)}>
            {names.optionLabel ? names.optionLabel(t) : t.name}
          </option>
        ))}
        {/* a name typed in before (not one of the runner's) stays a choice */}
        <option value={OTHER}>Other (type a name)…</option>
      </select>
      {other && (
        <input
          data-testid={`field-${id}-custom`}
          aria-label={`${names.noun[0].toUpperCase()}${names.noun.slice(1)} name`}
          placeholder={names.placeholder}
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {description && !other && <p className="muted">{description}</p>}
      {failure !== undefined && (
        <p className="muted" role="alert" data-testid={`field-${id}-error`}>
          Could not load the runner’s {names.plural}: {failure}
        </p>
      )}
      {names.none && failure === undefined && items?.length === 0 && (
        <p className="muted" data-testid={`field-${id}-none`}>
          {names.none}
        </p>
      )}
      {other && value !== '' && failure === undefined && items !== undefined && !chosen && (
        <p className="muted">
          The runner has no {names.noun} named “{value}”{names.unknownTail ?? ''}.
        </p>
      )}
    </>
  );
}
