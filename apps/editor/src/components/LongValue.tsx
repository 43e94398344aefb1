import { downloadText } from '../lib/document-file';

/**
 * The characters of a run's value laid out in place, as the evals' tables cut outputs. A value of megabytes
 * (a model's reply, up to limits.maxOutputBytes) laid out whole held the page for seconds at each click,
 * in panes that show some twenty lines of it anyway.
 */
export const SHOWN_CHARACTERS = 10_000;

const count = (n: number) => n.toLocaleString('en-US');

/** Where to cut `text`: at SHOWN_CHARACTERS, one before it rather than between the two halves of a surrogate pair. */
function cutAt(text: string): number {
  const code = text.charCodeAt(SHOWN_CHARACTERS - 1);
  return code >= 0xd800 && code <= 0xdbff ? SHOWN_CHARACTERS - 1 : SHOWN_CHARACTERS;
}

/** A run's value as text in a `pre`; past SHOWN_CHARACTERS its start, a line saying how long it is, and a download of the whole. */
export function LongValue({ text, testId, fileName }: { text: string; testId: string; fileName: string }) {
  if (text.length <= SHOWN_CHARACTERS) {
    return (
      <pre className="value" data-testid={testId}>
        {text}
      </pre>
    );
  }
  const end = cutAt(text);
  return (
    <>
      <pre className="value" data-testid={testId}>
        {text.slice(0, end)}
      </pre>
      <p className="muted value-cut" data-testid={`${testId}-cut`}>
        Showing the first {count(end)} of {count(text.length)} characters.{' '}
        <button type="button" onClick={() => downloadText(fileName, text, fileName.endsWith('.json') ? 'application/json' : 'text/plain')}>
          Download all
        </button>
      </p>
    </>
  );
}

/** The start of a long text where there is no room to say more (a node card): the whole is in the inspector. */
export function shownText(text: string): string {
  return text.length <= SHOWN_CHARACTERS ? text : text.slice(0, cutAt(text));
}
