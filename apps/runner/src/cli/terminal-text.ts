/**
 * Text that came from elsewhere (an indexed document, a file name), made safe to
 * print on a terminal: control characters become visible escapes (`\x1b`), so a
 * document cannot write the clipboard (OSC 52), clear the screen or colour a fake
 * line, and bidi overrides become `\u202e`, so it cannot reorder what is shown.
 */
export function terminalText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
