import jsonata from 'jsonata';
import { turnIfDue } from './event-loop-turn';
import { ExpressionPool } from './expression-pool';
import { regexLiterals } from './jsonata-regex';
import { LinearRegex, regexProblem } from './linear-regex';
import type { ConfigIssue } from './types';

/**
 * Guardrails for JSONata: evaluation is a chain of promise continuations, which
 * never lets the event loop run by itself; jsonata's depth and sequence limits
 * and our own time limit stop a runaway expression, and evaluation yields to the
 * event loop every 20 ms (event-loop-turn.ts) so HTTP and timers go on.
 * The time limit counts the expression's own turns, not the time it waits for one
 * after yielding: jsonata's `timeout` is wall-clock, so under load (a map of
 * 100,000 items, a busy runner) a trivial `$ * 2` failed as an "infinite loop".
 */
// Its regexes match in linear time (linear-regex.ts): the limits below cannot stop one match.
const LIMITS = { stack: 500, sequence: 1_000_000, RegexEngine: LinearRegex as unknown as RegExpConstructor };
const TIME_LIMIT_MS = 1_000;

const pool = new ExpressionPool<jsonata.Expression>((source) => jsonata(source, LIMITS));

interface JsonataError {
  message?: string;
  position?: number;
  code?: string;
}

function describe(err: unknown): string {
  const e = err as JsonataError;
  const message = e?.message ?? String(err);
  return e?.position !== undefined ? `${message} (at character ${e.position})` : message;
}

/** Parse problems of an expression, at `path` inside the config. */
export function expressionIssues(source: string, path: (string | number)[]): ConfigIssue[] {
  let ast: unknown;
  try {
    ast = jsonata(source).ast();
  } catch (err) {
    return [{ path, message: `expression does not parse: ${describe(err)}` }];
  }
  const problem = regexLiterals(ast).map(regexProblem).find((p) => p !== undefined);
  return problem ? [{ path, message: `expression cannot be run safely: ${problem}` }] : [];
}

/**
 * Evaluates `source` with `value` as the context `$`, until `deadline` (epoch ms) at most, on an
 * expression from the pool (runs may overlap; each has its own). A result that is
 * no value at all (JSONata's "nothing") becomes null; the rest is plain JSON.
 */
export async function evaluateExpression(source: string, value: unknown, signal?: AbortSignal, deadline?: number): Promise<unknown> {
  signal?.throwIfAborted();
  let expression: jsonata.Expression;
  try {
    expression = pool.take(source);
  } catch (err) {
    throw new Error(`expression does not parse: ${describe(err)}`);
  }
  // Checked on every step; the yield lets /healthz, other runs, the run's abort and the node's timer through.
  let resumed = Date.now();
  /** Time spent in this evaluation's earlier turns (the waits after each yield are not counted). */
  let spent = 0;
  expression.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, () => {
    signal?.throwIfAborted();
    const now = Date.now();
    if (deadline !== undefined && now > deadline) throw new Error("ran past the node's timeoutMs");
    if (spent + (now - resumed) > TIME_LIMIT_MS) throw new Error(`Evaluation timeout after ${TIME_LIMIT_MS} milliseconds. Check for infinite loop`);
    const turn = turnIfDue();
    if (!turn) return undefined;
    spent += now - resumed;
    return turn.then(() => {
      resumed = Date.now();
    });
  });
  let result: unknown;
  try {
    result = await expression.evaluate(value);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`expression failed: ${describe(err)}`);
  } finally {
    pool.give(source, expression);
  }
  return result === undefined ? null : toJson(result);
}

/** JSONata's functions: a lambda (`function($x){…}`) or a built-in (`$string`), as evaluate() hands them back. */
const isFunction = (v: unknown) =>
  typeof v === 'function' || (typeof v === 'object' && v !== null && ((v as Record<string, unknown>)._jsonata_lambda === true || (v as Record<string, unknown>)._jsonata_function === true));

/**
 * The result as plain JSON (sequences carry extra flags). A function is no
 * value a port can carry: it fails like any other evaluation error, with where
 * it was (a lambda would otherwise surface as a bare "circular structure" error).
 */
function toJson(result: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(result, function (key, value) {
      if (isFunction(value)) {
        const where = key === '' ? 'the result' : `"${key}" in the result`;
        throw new ExpressionResultError(`${where} is a function, not a value (call it, e.g. $f(x), or leave it out)`);
      }
      return value;
    });
  } catch (err) {
    if (err instanceof ExpressionResultError) throw new Error(`expression failed: ${err.message}`);
    throw new Error(`expression failed: the result is not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  return JSON.parse(text ?? 'null') as unknown;
}

class ExpressionResultError extends Error {}

/** Shared by overlapping calls: it is given no hook, and each evaluation binds `$` in a frame of its own. */
const BOOLEAN = jsonata('$boolean($)');

/** JSONata's own truthiness ($boolean): empty strings, arrays and objects are false. */
export async function isTruthy(result: unknown): Promise<boolean> {
  if (result === null || result === undefined) return false;
  return (await BOOLEAN.evaluate(result)) === true;
}
