import { RE2JS } from 're2js';
import { re2Flags } from './linear-pattern';

// JSONata's time limit is checked between its steps, never inside one regex match, and a match runs on the
// runner's thread: a pattern that backtracks catastrophically ((a+)+$ on "aaaa…!", text a user sends to a
// served pipeline) held every request, stream and run for minutes. The patterns V8's linear-time fallback
// takes run as RegExps: @patchbay/core/node turns that fallback on (node/regexp-fallback.ts; this file is
// also bundled for the browser, which has no node:v8).

/** A pattern checked and, for RE2, compiled: kept by source and flags (see `checked`). */
interface Checked {
  problem?: string;
  re2?: RE2JS;
}

// JSONata builds its regex engine at every evaluation of a regex literal (each run of a transform, each item of
// a map), and checking a pattern with RE2 costs ~8 µs (~35 µs compiling an `i` one), ~100× a RegExp: kept per
// pattern instead. A compiled RE2JS is immutable (each exec takes a matcher of its own).
const MAX_CHECKED = 512;
const checkedPatterns = new Map<string, Checked>();

function checked(pattern: RegExp): Checked {
  const key = `${pattern.flags}/${pattern.source}`;
  let found = checkedPatterns.get(key);
  if (found === undefined) {
    found = check(pattern);
    if (checkedPatterns.size >= MAX_CHECKED) checkedPatterns.delete(checkedPatterns.keys().next().value!);
    checkedPatterns.set(key, found);
  }
  return found;
}

/** Why a pattern cannot be matched in linear time, in words; undefined when it can. */
export function regexProblem(pattern: RegExp): string | undefined {
  return checked(pattern).problem;
}

function check(pattern: RegExp): Checked {
  try {
    const re2 = RE2JS.compile(RE2JS.translateRegExp(pattern.source), re2Flags(pattern.flags));
    return pattern.flags.includes('i') ? { re2 } : {};
  } catch (err) {
    // RE2 has neither: it says "invalid escape sequence: `\1`" or "unsupported Perl syntax: `(?=`".
    const at = /`([^`]*)`/.exec((err as Error).message)?.[1] ?? '';
    const what = /^\\[1-9k]/.test(at) ? 'a backreference' : /^\(\?<?[=!]/.test(at) ? 'a lookaround' : 'syntax no linear-time engine takes';
    return { problem: `the pattern /${pattern.source}/ has ${what} (${at || (err as Error).message}), which can take minutes on some texts and would hold the runner; write it without one` };
  }
}

type Match = RegExpExecArray;

/**
 * JSONata's RegexEngine (what it builds from each /pattern/flags, always with g): `lastIndex` and `exec`, as a
 * RegExp. V8's linear-time fallback takes no `i`, so a case-insensitive pattern runs on RE2 (re2js), which never
 * backtracks; the rest stays a RegExp under that fallback. A pattern neither can run in linear time is refused
 * (validation says so first, see regexProblem).
 */
export class LinearRegex {
  lastIndex = 0;
  private readonly native?: RegExp;
  private readonly re2?: RE2JS;

  constructor(pattern: RegExp) {
    const { problem, re2 } = checked(pattern);
    if (problem) throw new Error(problem);
    if (re2) this.re2 = re2;
    else this.native = new RegExp(pattern.source, pattern.flags);
  }

  exec(text: string): Match | null {
    if (this.native) {
      this.native.lastIndex = this.lastIndex;
      const match = this.native.exec(text);
      this.lastIndex = this.native.lastIndex;
      return match;
    }
    const matcher = this.re2!.matcher(text);
    if (this.lastIndex > text.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0; // as a g RegExp that finds nothing
      return null;
    }
    const groups = Array.from({ length: matcher.groupCount() + 1 }, (_, i) => matcher.group(i) ?? undefined);
    const match = Object.assign(groups, { index: matcher.start(), input: text, groups: undefined }) as unknown as Match;
    this.lastIndex = matcher.end();
    return match;
  }
}

/** Every regex literal of a parsed JSONata expression (its AST, walked without recursion). */
export function regexLiterals(ast: unknown): RegExp[] {
  const found: RegExp[] = [];
  const stack: unknown[] = [ast];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) {
      found.push(node);
      continue;
    }
    for (const value of Object.values(node)) stack.push(value);
  }
  return found;
}
