import type { CallRecord } from '../engine/context';

/** How much of a tool result went to the model, when it was cut (recorded on the tool call). */
export type ToolResultCut = NonNullable<CallRecord['cut']>;

/**
 * Keeps the first `maxChars` characters of a tool result for the model's
 * conversation and appends a line saying how much was left out, so the model
 * knows it saw a part (and can ask for less) rather than a silently short answer.
 * A surrogate pair is never split.
 */
export function cutToolResult(text: string, maxChars: number): { text: string; cut?: ToolResultCut } {
  if (text.length <= maxChars) return { text };
  let sent = maxChars;
  const last = text.charCodeAt(sent - 1);
  if (last >= 0xd800 && last <= 0xdbff) sent--;
  const left = text.length - sent;
  return {
    text: `${text.slice(0, sent)}\n\n[tool result cut: the first ${sent} of ${text.length} characters are shown; ${left} were left out (maxToolResultChars)]`,
    cut: { totalChars: text.length, sentChars: sent },
  };
}
