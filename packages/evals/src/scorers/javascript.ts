import { z } from 'zod';
import { syntaxIssues } from '@patchbay/core';
import { defineScorer, type ScoreOutcome } from './types';

/**
 * The sandbox answers in JSON, which has no NaN or Infinity (they come back as null): an inner function runs the
 * body and an envelope carries such a number as text, so a scorer that returns 0/0 is told it returned NaN.
 */
const enveloped = (code: string) =>
  // A Promise goes back bare, for the sandbox to refuse as it does any body's (taken before the body may replace it).
  `const NativePromise = Promise;\nconst result = (function (value) {\n${code}\n})(value);\n` +
  `if (result instanceof NativePromise) return result;\n` +
  `return typeof result === 'number' && !Number.isFinite(result) ? { nonFinite: String(result) } : { result: result === undefined ? null : result };`;

/**
 * The sandbox names a NaN or an infinite number anywhere in an answer by its path, which here is in the envelope
 * (`$.result.score`): the user's body returned `$.score`. Only the sandbox's own words are rewritten, not a message
 * the body threw.
 */
const ENVELOPE_PATH = /^(code failed: the body returned -?(?:NaN|Infinity) at )\$\.result(?=[.[,])/;

function userPaths(message: string): string {
  return message.replace(ENVELOPE_PATH, '$1$$');
}

function unwrap(answer: unknown): unknown {
  const { result, nonFinite } = answer as { result?: unknown; nonFinite?: string };
  return nonFinite === undefined ? result : Number(nonFinite);
}

/**
 * A custom scorer: `code` is the body of a function of `value`
 * (`{output, expected, input, id, tags, metadata, latencyMs, tokens, costUsd}`)
 * run in the QuickJS sandbox. It returns a number 0..1, a boolean, or
 * `{score, pass?, reason?}`.
 */
export const javascriptScorer = defineScorer({
  type: 'javascript',
  description: 'Custom scorer: a JavaScript function body of `value` run in the QuickJS sandbox',
  params: z.strictObject({
    code: z.string().min(1),
    timeoutMs: z.number().int().positive().max(60_000).default(1000),
  }),
  // Code that cannot parse would fail every case of every eval the suite runs: refuse the suite instead.
  check(params) {
    const [issue] = syntaxIssues(params.code);
    return issue ? `code: ${issue.message}` : null;
  },
  async score({ value, expected, case: c, run, params }, ctx) {
    const arg = {
      output: value ?? null,
      expected: expected ?? null,
      input: c.input,
      id: c.id,
      tags: c.tags ?? [],
      metadata: c.metadata ?? {},
      ...run,
    };
    let out: unknown;
    try {
      // timeoutMs is the code's own time: a case scored while others hold every sandbox worker waits its
      // turn (the eval's concurrency bounds the queue, its cancel ends the wait) instead of failing by load.
      out = unwrap(await ctx.sandbox.run(enveloped(params.code), arg, { timeoutMs: params.timeoutMs, maxWaitMs: Number.POSITIVE_INFINITY, signal: ctx.signal }));
    } catch (err) {
      return { score: 0, reason: 'scorer code failed', error: `javascript scorer: ${userPaths((err as Error).message)}` };
    }
    return readReturn(out);
  },
});

function readReturn(out: unknown): ScoreOutcome {
  const bad = (why: string): ScoreOutcome => ({ score: 0, reason: 'bad scorer result', error: `javascript scorer ${why}` });
  if (typeof out === 'boolean') return { score: out ? 1 : 0, pass: out, reason: out ? 'returned true' : 'returned false' };
  if (typeof out === 'number') {
    return out >= 0 && out <= 1 ? { score: out, reason: `returned ${out}` } : bad(`returned ${out}, not a score from 0 to 1`);
  }
  if (out && typeof out === 'object' && !Array.isArray(out)) {
    const o = out as { score?: unknown; pass?: unknown; reason?: unknown };
    const score = typeof o.score === 'number' ? o.score : typeof o.pass === 'boolean' ? (o.pass ? 1 : 0) : NaN;
    if (!(score >= 0 && score <= 1)) return bad('must return {score: 0..1, pass?, reason?}');
    if (o.pass !== undefined && typeof o.pass !== 'boolean') return bad('returned a "pass" that is not true or false');
    return { score, pass: o.pass as boolean | undefined, reason: typeof o.reason === 'string' ? o.reason : `score ${score}` };
  }
  return bad(`returned ${JSON.stringify(out) ?? 'undefined'}; expected a number, a boolean or {score, pass?, reason?}`);
}
