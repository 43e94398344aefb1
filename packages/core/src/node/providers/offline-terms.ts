/**
 * Terms for the offline models: lower-cased letter/digit runs, minus a small
 * English stop-word list (so "what is the" never counts as shared), with a light
 * plural fold ("refunds" → "refund", "policies" → "policy"). No real stemming.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about after all also am an and any are as at be been before being but by can could did do does doing ' +
    'for from had has have having he her here hers him his how i if in into is it its just me my of on or ' +
    'our ours out over she should so some such than that the their theirs them then there these they this ' +
    'those through to too up us very was we were what when where which while who whom whose why will with ' +
    'would you your yours tell please'
  ).split(' '),
);

export function terms(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((word) => !STOP_WORDS.has(word)).map(foldPlural);
}

function foldPlural(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
  return word;
}
