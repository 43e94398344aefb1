import type { ReactNode } from 'react';
import { RUN_STATUSES } from '@patchbay/core';
import { LISTED_SOURCES, type FilterField, type FixedFilter, type RunFilter } from './run-filter';

interface Props {
  filter: RunFilter;
  fixed?: FixedFilter;
  labels: string[];
  monitors: string[];
  /** The runner's reason, next to the field it names. */
  problem?: { field?: FilterField; message: string };
  onChange(filter: RunFilter): void;
}

/** The Runs list's filter bar: status, label, version, source, and a monitor's score range. */
export function RunFilters({ filter, fixed, labels, monitors, problem, onChange }: Props) {
  const set = (key: FilterField) => (e: { target: { value: string } }) => onChange({ ...filter, [key]: e.target.value });
  const id = (key: string) => `runs-filter-${key}`;
  const errorOf = (key: FilterField) =>
    problem?.field === key ? (
      <span className="error-text" id={id(`${key}-error`)} role="alert" data-testid={`runs-filter-error-${key}`}>
        {problem.message}
      </span>
    ) : null;
  const described = (key: FilterField) => (problem?.field === key ? { 'aria-invalid': true, 'aria-describedby': id(`${key}-error`) } : {});
  const field = (key: FilterField, label: string, control: ReactNode) => (
    <div className="runs-filter-field">
      <label htmlFor={id(key)}>{label}</label>
      {control}
      {errorOf(key)}
    </div>
  );
  return (
    <div className="runs-filters" role="group" aria-label="Filter runs" data-testid="runs-filters">
      {field(
        'status',
        'Status',
        <select id={id('status')} value={filter.status} onChange={set('status')} {...described('status')}>
          <option value="">any</option>
          {RUN_STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>,
      )}
      {field(
        'label',
        'Label',
        <select id={id('label')} value={fixed?.label ?? filter.label} disabled={fixed?.label !== undefined} onChange={set('label')} {...described('label')}>
          <option value="">any</option>
          {[...new Set([...labels, ...(fixed?.label ? [fixed.label] : [])])].map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>,
      )}
      {field(
        'version',
        'Version',
        <input
          id={id('version')}
          inputMode="numeric"
          placeholder="any"
          value={fixed?.version !== undefined ? String(fixed.version) : filter.version}
          disabled={fixed?.version !== undefined}
          onChange={set('version')}
          {...described('version')}
        />,
      )}
      {field(
        'source',
        'Source',
        <select id={id('source')} value={filter.source} onChange={set('source')} {...described('source')}>
          <option value="">any</option>
          {LISTED_SOURCES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>,
      )}
      {field(
        'monitor',
        'Monitor',
        <select id={id('monitor')} value={fixed?.monitor ?? filter.monitor} disabled={fixed?.monitor !== undefined} onChange={set('monitor')} {...described('monitor')}>
          <option value="">any</option>
          {[...new Set([...monitors, ...(fixed?.monitor ? [fixed.monitor] : [])])].map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>,
      )}
      {field('minScore', 'Min score', <input id={id('minScore')} inputMode="decimal" placeholder="0" value={filter.minScore} onChange={set('minScore')} {...described('minScore')} />)}
      {field('maxScore', 'Max score', <input id={id('maxScore')} inputMode="decimal" placeholder="1" value={filter.maxScore} onChange={set('maxScore')} {...described('maxScore')} />)}
    </div>
  );
}
