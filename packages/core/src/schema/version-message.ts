/** The longest message a saved version may carry: the API refuses a longer one, the editor says so before sending. */
export const MAX_VERSION_MESSAGE_LENGTH = 10_000;

const limit = MAX_VERSION_MESSAGE_LENGTH.toLocaleString('en-US');

/** The API's reason for a message over the limit. */
export const VERSION_MESSAGE_LIMIT = `a version message is at most ${limit} characters`;

/** Why `message` cannot be saved as it is, in one sentence; undefined when it can. */
export function versionMessageProblem(message: string): string | undefined {
  if (message.length <= MAX_VERSION_MESSAGE_LENGTH) return undefined;
  return `${VERSION_MESSAGE_LIMIT} (this one has ${message.length.toLocaleString('en-US')}).`;
}
