import type { EvalListItem } from '../../lib/evals-api';

/** The baseline of `b` from the history: the eval it ran against, else the newest earlier finished eval of another version on the same dataset (else of the same version). */
export function defaultBaseline(history: EvalListItem[], b: EvalListItem): string | undefined {
  if (b.baseline && history.some((e) => e.id === b.baseline)) return b.baseline;
  const earlier = history.filter(
    (e) => e.id !== b.id && e.status !== 'running' && e.dataset.name === b.dataset.name && Date.parse(e.createdAt) <= Date.parse(b.createdAt),
  );
  return (earlier.find((e) => e.version !== b.version) ?? earlier[0])?.id;
}
