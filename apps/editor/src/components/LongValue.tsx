import { useState } from 'react';
import { downloadText } from '../lib/document-file';
import { CUT_CHARACTERS, cutOf, cutsIn, shownValue } from '../lib/cut-values';
import type { RunStore } from '../lib/run-store';

/**
 * The characters of a run's value laid out in place, as the evals' tables cut outputs. A value of megabytes
 * (a model's reply, up to limits.maxOutputBytes) laid out whole held the page for seconds at each click,
 * in panes that show some twenty lines of it anyway. The runner cuts values there too (lib/cut-values.ts).
 */
export const SHOWN_CHARACTERS = CUT_CHARACTERS;

const count = (n: number) => n.toLocaleString('en-US');

/** Where to cut `text`: at SHOWN_CHARACTERS, one before it rather than between the two halves of a surrogate pair. */
function cutAt(text: string): number {
  const code = text.charCodeAt(SHOWN_CHARACTERS - 1);
  return code >= 0xd800 && code <= 0xdbff ? SHOWN_CHARACTERS - 1 : SHOWN_CHARACTERS;
}

const fileType = (fileName: string) => (fileName.endsWith('.json') ? 'application/json' : 'text/plain');

/** A value the runner cut: what the line under it says, and how to get the whole text for the download. */
interface Cut {
  line: string;
  whole(): Promise<string>;
}

/**
 * A run's value as text in a `pre`; past SHOWN_CHARACTERS (or cut by the runner: `cut`) its start, a line
 * saying how long it is, and a download of the whole.
 */
export function LongValue({ text, testId, fileName, cut }: { text: string; testId: string; fileName: string; cut?: Cut }) {
  const [state, setState] = useState<'idle' | 'loading' | string>('idle');
  if (!cut && text.length <= SHOWN_CHARACTERS) {
    return (
      <pre className="value" data-testid={testId}>
        {text}
      </pre>
    );
  }
  const end = cutAt(text);
  const shown = text.slice(0, end);
  const download = async () => {
    if (!cut) return downloadText(fileName, text, fileType(fileName));
    setState('loading');
    try {
      downloadText(fileName, await cut.whole(), fileType(fileName));
      setState('idle');
    } catch (err) {
      setState(`Could not download it: ${(err as Error).message}`);
    }
  };
  return (
    <>
      <pre className="value" data-testid={testId}>
        {shown}
      </pre>
      <p className="muted value-cut" data-testid={`${testId}-cut`}>
        {cut ? cut.line : `Showing the first ${count(end)} of ${count(text.length)} characters.`}{' '}
        <button type="button" disabled={state === 'loading'} onClick={() => void download()}>
          {state === 'loading' ? 'Downloading…' : 'Download all'}
        </button>
      </p>
      {state !== 'idle' && state !== 'loading' && <p className="error-text">{state}</p>}
    </>
  );
}

const textOf = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? 'undefined'));

/** One value of the shown run (an output of the run): laid out as text, or its start when the runner cut it. */
export function RunValue({ value, runs, testId, fileName }: { value: unknown; runs: RunStore; testId: string; fileName: string }) {
  const cut = cutOf(value);
  if (!cut) return <LongValue text={textOf(value)} testId={testId} fileName={fileName} />;
  const line = `Showing the first ${count(Math.min(cut.preview.length, SHOWN_CHARACTERS))} of ${count(cut.chars)} characters.`;
  return <LongValue text={cut.preview} testId={testId} fileName={fileName} cut={{ line, whole: async () => textOf(await runs.whole(value)) }} />;
}

/** A node's inputs or outputs by port as JSON; a port the runner cut shows its start, and the download holds it whole. */
export function RunPorts({ ports, runs, testId, fileName }: { ports: Record<string, unknown>; runs: RunStore; testId: string; fileName: string }) {
  const cuts = cutsIn(ports);
  const text = JSON.stringify(cuts.length ? shownValue(ports) : ports, null, 2) ?? 'undefined';
  if (!cuts.length) return <LongValue text={text} testId={testId} fileName={fileName} />;
  const line = `Showing the start of ${cuts.map(([name, c]) => `${name} (${count(c.chars)} characters)`).join(', ')}.`;
  return <LongValue text={text} testId={testId} fileName={fileName} cut={{ line, whole: async () => JSON.stringify(await runs.whole(ports), null, 2) }} />;
}

/** The start of a long text where there is no room to say more (a node card): the whole is in the inspector. */
export function shownText(text: string): string {
  return text.length <= SHOWN_CHARACTERS ? text : text.slice(0, cutAt(text));
}
