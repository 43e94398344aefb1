import type { SummaryLine } from './types';

// Helpers for node types' card summaries (NodeDefinition.summary): a summary reads a config
// that may be mid-edit, so every value is checked before it is shown.

/** Longest text a summary line carries; the card cuts it further to its width. */
export const SUMMARY_MAX_CHARS = 80;

/** The first non-blank line of `value` (a string), whitespace collapsed, cut to SUMMARY_MAX_CHARS; '' for anything else. */
export function summaryText(value: unknown): string {
  if (typeof value !== 'string') return '';
  const line = value.split('\n').find((l) => l.trim() !== '') ?? '';
  const text = line.trim().replace(/\s+/g, ' ');
  return text.length > SUMMARY_MAX_CHARS ? `${text.slice(0, SUMMARY_MAX_CHARS - 1)}…` : text;
}

/** The strings of a list setting (tools, inputs); non-strings left out. */
export function summaryList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

/** Keeps the lines that have something to show. */
export function summaryLines(...lines: SummaryLine[]): SummaryLine[] {
  return lines.filter((l) => l.text !== '');
}
