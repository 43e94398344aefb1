import type { EvalSummary } from '../../lib/evals-api';

/** A value as one short line of text: strings as they are, anything else as JSON. */
export function valueText(value: unknown, max = 200): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
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

export function passRateText(summary: EvalSummary | null | undefined): string {
  if (!summary || summary.passRate === null) return '–';
  return `${(summary.passRate * 100).toFixed(0)}% (${summary.passed}/${summary.cases})`;
}
