import { RE2JS } from 're2js';

// A pattern that backtracks catastrophically ((a+)+$ on "aaaa…!") holds the thread that runs it for minutes, and
// the patterns users write here run on text users shape: a regex scorer on a pipeline's output (a monitor's on
// production runs), a JSON Schema pattern on a model's reply or tool arguments, a JSONata regex on a request.
// Every such pattern runs on a linear-time engine, or is refused where it is written.

/** How a pattern is run in time linear in the text, or why it cannot be. */
export type LinearPlan =
  /** V8's own engine: the pattern is one its linear-time engine takes, which it falls back to when a match backtracks too much. */
  | { engine: 'v8' }
  /** RE2 (re2js), which never backtracks: what V8's linear-time engine does not take (the flags i and u, bounded repeats over ~16, captureless lookbehinds). */
  | { engine: 're2'; re2: RE2JS }
  | { engine: 'none'; problem: string };

// Planning costs an RE2 compile (~8 µs, ~35 µs with i), ~100× a RegExp, and JSONata asks at each evaluation of a
// regex literal (each item of a map): plans are kept by flags and source. A compiled RE2JS is immutable.
const MAX_PLANS = 512;
const plans = new Map<string, LinearPlan>();

/**
 * Which engine runs `source` with `flags` in linear time. V8's when its linear-time engine takes the pattern:
 * @patchbay/core/node turns that engine on (node/regexp-fallback.ts), and a RegExp with the flag `l` compiles
 * only then, so in the browser and wherever the flags are not set every pattern plans RE2, never V8 unguarded.
 * `source` must be valid JavaScript (compile a RegExp first).
 */
export function planLinear(source: string, flags: string): LinearPlan {
  const key = `${flags}/${source}`;
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = choosePlan(source, flags);
    if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value!);
    plans.set(key, plan);
  }
  return plan;
}

function choosePlan(source: string, flags: string): LinearPlan {
  try {
    // d only adds match indices and keeps V8 off its linear-time engine; nobody here reads them.
    new RegExp(source, `${flags.replace('d', '')}l`);
    return { engine: 'v8' };
  } catch {
    // not one V8 runs in linear time, or no `l` flag here
  }
  // RE2 has no set notation: [\p{L}--[a-z]] would mean something else there.
  if (flags.includes('v')) return { engine: 'none', problem: `the pattern /${source}/ has the flag v, which no linear-time engine here runs; use u` };
  // re2js translates \k<name> to the letters "k<name>", where JavaScript (with a named group) reads a backreference.
  const named = namedBackreference(source);
  if (named) return { engine: 'none', problem: whyNotLinear(source, `invalid escape sequence: \`${named}\``) };
  try {
    const translated = RE2JS.translateRegExp(source);
    // RE2 has no sticky matching: y from position 0 is a match anchored at the start of the text.
    return { engine: 're2', re2: RE2JS.compile(flags.includes('y') ? `\\A(?:${translated})` : translated, re2Flags(flags) | RE2JS.LOOKBEHINDS) };
  } catch (err) {
    return { engine: 'none', problem: whyNotLinear(source, (err as Error).message) };
  }
}

/** The first `\k<name>` escape of a pattern (a backslash before it escaped, as in `\\k<`, is no escape). */
function namedBackreference(source: string): string | undefined {
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== '\\') continue;
    if (source.startsWith('k<', i + 1)) return source.slice(i, source.indexOf('>', i) + 1 || undefined);
    i++; // the escaped character
  }
  return undefined;
}

/** RE2's refusal in words: it says "invalid escape sequence: `\1`" or "unsupported Perl syntax: `(?=`". */
function whyNotLinear(source: string, re2Message: string): string {
  const at = /`([^`]*)`/.exec(re2Message)?.[1] ?? '';
  const unsafe = 'which no linear-time engine runs and which can take minutes on some texts';
  if (/^\\([1-9]|k<)/.test(at)) return `the pattern /${source}/ has a backreference (${at}), ${unsafe}; write it without one`;
  if (/^\(\?[=!]/.test(at)) return `the pattern /${source}/ has a lookahead (${at}), ${unsafe}; write it without one`;
  if (/capture in lookbehind/.test(re2Message)) return `the pattern /${source}/ has a capturing group in a lookbehind, ${unsafe}; make it (?:…)`;
  return `the pattern /${source}/ cannot be matched in linear time (RE2: ${re2Message.replace(/\s+/g, ' ')}); write it another way`;
}

/** What scorers need of a compiled pattern. */
export interface PatternTester {
  test(text: string): boolean;
  /** `/pattern/flags`: ajv keys its compiled patterns by it. */
  toString(): string;
}

/**
 * Compiles a JavaScript pattern to test texts in linear time (see planLinear). Throws the RegExp's SyntaxError
 * for a pattern that is not valid JavaScript, and one line saying why for one no linear-time engine runs (a
 * backreference, a lookahead, the flag v).
 */
export function compileLinearPattern(pattern: string, flags = ''): PatternTester {
  const checked = new RegExp(pattern, flags); // a pattern or flags JavaScript refuses throw here, with its message
  const plan = planLinear(checked.source, flags);
  const toString = () => `/${pattern}/${flags}`;
  if (plan.engine === 'none') throw new Error(plan.problem);
  if (plan.engine === 're2') return { test: (text) => plan.re2.test(text), toString };
  const native = new RegExp(checked.source, flags.replace('d', ''));
  // g and y keep a position between test() calls: each test starts from 0.
  return { test: (text) => { native.lastIndex = 0; return native.test(text); }, toString };
}

/** RE2's flag bits for a JavaScript pattern's i, m and s. */
export function re2Flags(flags: string): number {
  let bits = 0;
  if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) bits |= RE2JS.MULTILINE;
  if (flags.includes('s')) bits |= RE2JS.DOTALL;
  return bits;
}

/** `code.regExp` for Ajv: its `pattern`s (flag u) tested by compileLinearPattern. */
export const linearAjvRegExp = Object.assign((pattern: string, flags: string) => compileLinearPattern(pattern, flags), { code: 'compileLinearPattern' });
