/**
 * A failure's message as a trace, an event and a run record keep it. A body can
 * throw any text (a code node's 5 MB string, a tool echoing a whole page): past
 * a readable length the start is kept and the rest is counted, so one failure
 * is not stored and streamed several times over at full size.
 */
export const MAX_ERROR_CHARS = 2_000;

export function errorMessage(err: unknown, maxChars = MAX_ERROR_CHARS): string {
  const message = err instanceof Error ? err.message : String(err);
  if (message.length <= maxChars) return message;
  return `${message.slice(0, maxChars)}… (${message.length - maxChars} more characters)`;
}
