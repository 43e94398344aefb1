import { stripFence } from './values';

export interface Verdict {
  score: number;
  pass?: boolean;
  reasoning: string;
}

/**
 * Reads a judge model's verdict: a JSON object `{"score": 0..1, "pass": bool,
 * "reasoning": "..."}` (bare, fenced, or inside prose), or a line that is only
 * PASS or FAIL (the other lines are the reasoning). Anything else — no verdict,
 * a score outside 0..1, conflicting PASS and FAIL lines — is an error: a judge
 * that cannot be read must never count as a pass.
 */
export function parseVerdict(text: string): Verdict | { error: string } {
  const json = findJsonObject(stripFence(text.trim()));
  if (json) {
    const score = json.score;
    const pass = json.pass;
    const reasoning = typeof json.reasoning === 'string' ? json.reasoning : typeof json.reason === 'string' ? json.reason : '';
    if (score === undefined && typeof pass === 'boolean') return { score: pass ? 1 : 0, pass, reasoning };
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
      return { error: `verdict score must be a number from 0 to 1, got ${JSON.stringify(score)}` };
    }
    if (pass !== undefined && typeof pass !== 'boolean') return { error: `verdict "pass" must be true or false, got ${JSON.stringify(pass)}` };
    return { score, pass: pass as boolean | undefined, reasoning };
  }
  const lines = text.split(/\r?\n/);
  const verdicts = lines
    .map((line) => /^\W*(PASS|FAIL)\W*$/i.exec(line.trim())?.[1]?.toUpperCase())
    .filter((v): v is string => v !== undefined);
  if (verdicts.length === 0) return { error: 'no verdict: expected JSON {"score", "pass", "reasoning"} or a PASS / FAIL line' };
  if (new Set(verdicts).size > 1) return { error: 'conflicting PASS and FAIL lines' };
  const reasoning = lines.filter((line) => !/^\W*(PASS|FAIL)\W*$/i.test(line.trim())).join('\n').trim();
  const pass = verdicts[0] === 'PASS';
  return { score: pass ? 1 : 0, pass, reasoning };
}

/** Characters scanned for a verdict before giving up: a reply of braces without end must not hold the thread. */
const SCAN_BUDGET = 2_000_000;

/**
 * The first `{…}` in the text that parses as a JSON object. An object that starts at a `{` can only end at
 * the `}` that closes it (strings skipped), so each start has one candidate: trying every later `}` instead
 * took minutes on a long reply full of braces.
 */
function findJsonObject(text: string): Record<string, unknown> | null {
  let budget = SCAN_BUDGET;
  for (let start = text.indexOf('{'); start !== -1 && budget > 0; start = text.indexOf('{', start + 1)) {
    const end = closingBrace(text, start, budget);
    budget -= (end === -1 ? Math.min(text.length, start + budget) : end + 1) - start;
    if (end === -1) continue;
    try {
      const value = JSON.parse(text.slice(start, end + 1));
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // prose in braces, not JSON: try the next {
    }
  }
  return null;
}

/** The index of the `}` that closes the `{` at `start` (braces in JSON strings do not count), or -1. */
function closingBrace(text: string, start: number, budget: number): number {
  let depth = 0;
  let inString = false;
  const stop = Math.min(text.length, start + budget);
  for (let i = start; i < stop; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \\ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */) depth++;
    else if (ch === 125 /* } */ && --depth === 0) return i;
  }
  return -1;
}
