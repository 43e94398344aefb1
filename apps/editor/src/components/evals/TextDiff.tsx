import { useMemo } from 'react';
import { diffWords } from 'diff';

/** Two texts as one, words only in A struck through in red, words only in B in green. */
export function TextDiff({ a, b }: { a: string; b: string }) {
  const parts = useMemo(() => diffWords(a, b), [a, b]);
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
