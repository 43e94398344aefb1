import type { EvalSummary } from '../../lib/evals-api';
import { cutOf, cutsIn, shownValue } from '../../lib/cut-values';

/** A value as one short line of text: strings as they are, anything else as JSON; a value the runner cut, its start. */
export function valueText(value: unknown, max = 200): string {
  if (value === undefined) return '';
  const cut = cutOf(value);
  const text = cut ? cut.preview : typeof value === 'string' ? value : JSON.stringify(shownValue(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A case's input: the only field's value when there is one, else the fields as JSON. */
export function inputText(input: unknown): string {
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const entries = Object.entries(input);
    if (entries.length === 1) return valueText(entries[0][1]);
  }
  return valueText(input);
}

/** The pipeline's output: the only one's value, else all of them as JSON. */
export function outputText(outputs: Record<string, unknown> | undefined): string {
  const values = Object.values(outputs ?? {});
  return values.length === 1 ? valueText(values[0], 10_000) : valueText(outputs ?? {}, 10_000);
}

/** What the output cell leaves out: "Showing the first 10,000 of 80,012 characters." when the runner cut an output, else undefined. */
export function outputCutText(outputs: Record<string, unknown> | undefined): string | undefined {
  const cuts = cutsIn(outputs);
  if (!cuts.length) return undefined;
  const count = (n: number) => n.toLocaleString('en-US');
  if (Object.keys(outputs ?? {}).length === 1) return `Showing the first ${count(cuts[0][1].preview.length)} of ${count(cuts[0][1].chars)} characters.`;
  return `Showing the start of ${cuts.map(([name, c]) => `${name} (${count(c.chars)} characters)`).join(', ')}.`;
}

export function passRateText(summary: EvalSummary | null | undefined): string {
  if (!summary || summary.passRate === null) return '–';
  return `${(summary.passRate * 100).toFixed(0)}% (${summary.passed}/${summary.cases})`;
}
