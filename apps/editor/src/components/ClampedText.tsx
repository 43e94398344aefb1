/**
 * A free text in a list row (a version's message, up to 10,000 characters; a move's note): it may be
 * one long word, so it wraps anywhere, shows at most two lines and carries the whole text in its
 * title, and the row's buttons stay on screen.
 */
export function ClampedText({ text, muted }: { text?: string | null; muted?: boolean }) {
  if (!text) return null;
  return (
    <span className={muted ? 'muted clamped-text' : 'clamped-text'} title={text}>
      {text}
    </span>
  );
}
