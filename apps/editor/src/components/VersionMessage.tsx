/** A version's message in a list: clamped to two lines (it may be 10,000 characters of one word), whole in its title. */
export function VersionMessage({ message, muted }: { message?: string; muted?: boolean }) {
  if (!message) return null;
  return (
    <span className={muted ? 'muted version-message' : 'version-message'} title={message}>
      {message}
    </span>
  );
}
