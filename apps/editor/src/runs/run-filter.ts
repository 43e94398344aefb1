import type { RunsQuery } from '../monitoring/monitoring-api';

/** The Runs list's filters as typed; '' is "any". */
export interface RunFilter {
  status: string;
  label: string;
  version: string;
  source: string;
  monitor: string;
  minScore: string;
  maxScore: string;
}

export const NO_FILTER: RunFilter = { status: '', label: '', version: '', source: '', monitor: '', minScore: '', maxScore: '' };

/** Filters a view sets and the user cannot change: one step of one series of the Monitoring charts. */
export interface FixedFilter {
  finishedFrom: number;
  finishedTo: number;
  version?: number;
  label?: string;
  monitor?: string;
  /** How the list names what is fixed, e.g. "v2 · 14:00–15:00". */
  title: string;
}

export const SOURCES = ['serve', 'openai', 'api', 'editor', 'cli', 'eval'] as const satisfies readonly NonNullable<RunsQuery['source']>[];
/**
 * The sources a pipeline's Runs list can hold: an eval case's run is stored with no pipeline (it is
 * opened from its eval's result), so `?pipeline=NAME&source=eval` would list nothing, ever.
 */
export const LISTED_SOURCES = SOURCES.filter((src) => src !== 'eval');
/** A run's source, as the runner names it. */
export type RunSourceName = (typeof SOURCES)[number];
export type FilterField = keyof RunFilter;

/**
 * The `GET /api/runs` query for the filters. What was typed is passed on as typed (a score of 2
 * is the runner's to refuse), so the runner's one-line reason is what the field shows.
 */
export function runsQuery(pipeline: string, filter: RunFilter, fixed: FixedFilter | undefined, limit = 100): RunsQuery {
  const query: Record<string, unknown> = { pipeline, limit };
  const typed = (value: string) => (value.trim() === '' ? undefined : value.trim());
  for (const key of Object.keys(NO_FILTER) as FilterField[]) {
    const value = typed(filter[key]);
    if (value !== undefined) query[key] = value;
  }
  if (fixed) {
    query.finishedFrom = new Date(fixed.finishedFrom).toISOString();
    query.finishedTo = new Date(fixed.finishedTo).toISOString();
    if (fixed.version !== undefined) query.version = fixed.version;
    if (fixed.label !== undefined) query.label = fixed.label;
    if (fixed.monitor !== undefined) query.monitor = fixed.monitor;
  }
  return query as RunsQuery;
}

/** The filter field a refusal names (`query.minScore` → minScore), if it names one. */
export function fieldOf(path: string | undefined): FilterField | undefined {
  const key = path?.replace(/^query\./, '');
  return key && key in NO_FILTER ? (key as FilterField) : undefined;
}
