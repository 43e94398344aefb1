import { RE2JS } from 're2js';

// A pattern that backtracks catastrophically ((a+)+$ on "aaaa…!") would hold the event loop for minutes, and
// the texts tested here are ones users shape: a served run's output (a monitor's regex), a model's reply (an
// llm node's jsonSchema), a model's tool arguments (a tool's JSON Schema). @patchbay/core/node turns on V8's
// linear-time fallback for the patterns it takes (node/regexp-fallback.ts); RE2 takes the flags it does not.

/** What scorers need of a compiled pattern. */
export interface PatternTester {
  test(text: string): boolean;
  /** `/pattern/flags`: ajv keys its compiled patterns by it. */
  toString(): string;
}

/**
 * Compiles a JavaScript pattern so that testing it takes time linear in the text wherever it can.
 * V8's fallback covers the flags g, m, s and y only; with i or u (a JSON Schema pattern is always u)
 * the pattern runs on RE2 (re2js), which never backtracks. A pattern RE2 cannot run (a lookaround,
 * a backreference) and the flags v and y stay on V8's backtracking engine: not covered.
 * Throws the RegExp's SyntaxError for a pattern that is not valid JavaScript.
 */
export function compileLinearPattern(pattern: string, flags = ''): PatternTester {
  new RegExp(pattern, flags); // a pattern or flags JavaScript refuses throw here, with its message
  // d only adds match indices, which test() never reads, and keeps V8 off its linear-time engine.
  const native = new RegExp(pattern, flags.replace('d', ''));
  // g and y keep a position between test() calls: each test starts from 0.
  const toString = () => `/${pattern}/${flags}`;
  const tester: PatternTester = { test: (text) => { native.lastIndex = 0; return native.test(text); }, toString };
  // RE2 has no sticky matching (y) and no set syntax (v): those stay JavaScript.
  if (!/[iu]/.test(flags) || /[vy]/.test(flags)) return tester;
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(RE2JS.translateRegExp(pattern), re2Flags(flags));
  } catch {
    return tester;
  }
  return { test: (text) => re2.test(text), toString };
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
