import type { EvalListItem } from '../../lib/evals-api';

/** The baseline of `b` from the history: the eval it ran against, else the newest earlier finished eval of another version on the same dataset (else of the same version). */
export function defaultBaseline(history: EvalListItem[], b: EvalListItem): string | undefined {
  if (b.baseline && history.some((e) => e.id === b.baseline)) return b.baseline;
  const earlier = history.filter(
    (e) => e.id !== b.id && e.status !== 'running' && e.dataset.name === b.dataset.name && Date.parse(e.createdAt) <= Date.parse(b.createdAt),
  );
  return (earlier.find((e) => e.version !== b.version) ?? earlier[0])?.id;
}

/** Two evals in reading order: the older version first (the baseline), then the newer; equal versions by start time. */
export function orderByVersion(x: EvalListItem, y: EvalListItem): [EvalListItem, EvalListItem] {
  const vx = x.version ?? Number.MAX_SAFE_INTEGER;
  const vy = y.version ?? Number.MAX_SAFE_INTEGER;
  if (vx !== vy) return vx < vy ? [x, y] : [y, x];
  return Date.parse(x.createdAt) <= Date.parse(y.createdAt) ? [x, y] : [y, x];
}

export type Labels = Record<string, { version: number; movedAt: string }>;

/**
 * The baseline a new eval of `version` on `dataset` is compared with, unless the user picks
 * another: the latest finished eval of the version holding the most recently moved label
 * (what is deployed), else the latest eval of the closest earlier version.
 */
export function defaultEvalBaseline(history: EvalListItem[], labels: Labels, version: number | undefined, dataset: string): string | undefined {
  const finished = history.filter((e) => e.status === 'succeeded' && e.dataset.name === dataset);
  const newest = (list: EvalListItem[]) => [...list].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  const recent = Object.values(labels).sort((a, b) => Date.parse(b.movedAt) - Date.parse(a.movedAt))[0];
  const deployed = recent && recent.version !== version ? newest(finished.filter((e) => e.version === recent.version)) : undefined;
  if (deployed) return deployed.id;
  if (version === undefined) return undefined;
  const earlier = finished.filter((e) => e.version !== null && e.version < version);
  const closest = Math.max(...earlier.map((e) => e.version!));
  return newest(earlier.filter((e) => e.version === closest))?.id;
}
