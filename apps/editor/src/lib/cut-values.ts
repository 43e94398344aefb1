import type { CutValue } from '@patchbay/runner';

/**
 * The editor reads runs with `?cut=CUT_CHARACTERS` (docs/api.md, Long values): a value longer than that comes as
 * `{"$patchbayCut": {hash, type, chars, preview}}`, its start, and is fetched whole only where the whole is needed
 * (a download, the run form, a pin). A 4.5 MB value passes through every node to the output, so a run read
 * whole carried it some fifteen times over and took seconds to open.
 */

/** As many characters of a value as the run's views lay out (components/LongValue); the runner cuts there. */
export const CUT_CHARACTERS = 10_000;

export type { CutValue };

const KEY = '$patchbayCut';

/** The placeholder's facts when `value` is one. */
export function cutOf(value: unknown): CutValue | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const cut = (value as Record<string, unknown>)[KEY] as CutValue | undefined;
  return cut && Object.keys(value).length === 1 && typeof cut.hash === 'string' && typeof cut.preview === 'string' ? cut : undefined;
}

/** The cut values among a run's values by name (`{question: …}`, a node's ports). */
export function cutsIn(values: Record<string, unknown> | null | undefined): [string, CutValue][] {
  return Object.entries(values ?? {}).flatMap(([name, v]) => {
    const cut = cutOf(v);
    return cut ? [[name, cut] as [string, CutValue]] : [];
  });
}

/** `value` to lay out: a cut value is its start (a string's characters, or the start of the JSON text). */
export function shownValue(value: unknown): unknown {
  const cut = cutOf(value);
  if (cut) return cut.preview;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(shownValue);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shownValue(v)]));
}

/** `value` with each cut value fetched whole (`fetchValue` by its hash). */
export async function wholeValue<T>(value: T, fetchValue: (hash: string) => Promise<unknown>): Promise<T> {
  const cut = cutOf(value);
  if (cut) return (await fetchValue(cut.hash)) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => wholeValue(v, fetchValue)))) as T;
  const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await wholeValue(v, fetchValue)] as const));
  return Object.fromEntries(entries) as T;
}
