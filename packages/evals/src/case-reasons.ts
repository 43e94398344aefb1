import type { CaseRecord } from './result-types';

/** Each scorer that did not pass, as `name: reason` (its error when it could not score at all). */
export function failingScores(record: Pick<CaseRecord, 'scores'>): string[] {
  return Object.entries(record.scores)
    .filter(([, s]) => !s.pass)
    .map(([name, s]) => `${name}: ${s.error ?? s.reason}`);
}

/** Why a case did not pass, for progress lines and reports: its error, else its failing scorers. */
export function whyNotPassed(record: Pick<CaseRecord, 'scores' | 'error'>): string {
  return record.error ?? failingScores(record).join('; ');
}
