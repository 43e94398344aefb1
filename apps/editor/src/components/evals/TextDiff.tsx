import { useMemo } from 'react';
import { diffWords } from 'diff';

/**
 * Past this many word edits two texts are shown whole, A struck and B added, rather than diffed: the work of a
 * diff grows with its edits, and 200 pairs of 10,000 different characters (the Compare view of an eval that
 * answers long) took 106 s to lay out, for a diff nobody reads word by word.
 */
const MAX_EDITS = 200;

/** Two texts as one, words only in A struck through in red, words only in B in green. */
export function TextDiff({ a, b }: { a: string; b: string }) {
  const parts = useMemo<{ value: string; added?: boolean; removed?: boolean }[]>(() => diffWords(a, b, { maxEditLength: MAX_EDITS }) ?? [{ value: a, removed: true }, { value: b, added: true }], [a, b]);
  if (a === b) return <span className="muted">same output</span>;
  return (
    <span className="text-diff" data-testid="text-diff">
      {parts.map((part, i) =>
        part.added ? (
          <ins key={i}>{part.value}</ins>
        ) : part.removed ? (
          <del key={i}>{part.value}</del>
        ) : (
          <span key={i}>{part.value}</span>
        ),
      )}
    </span>
  );
}
