// Evaluates calculator expressions in a child process, so an expression that
// allocates a huge matrix or loops for long kills only this process, never the
// runner (a worker thread's heap limit is not reliable: V8 may abort the whole
// process when a worker allocates fast past it).
import { all, create } from 'mathjs';

const math = create(all);
const evaluate = math.evaluate;
// Functions that reach the parser or change the instance are disabled inside
// expressions, as the mathjs security guide recommends.
const refuse = (name) => () => {
  throw new Error(`function ${name} is disabled`);
};
math.import(
  Object.fromEntries(['import', 'createUnit', 'evaluate', 'parse', 'compile', 'simplify', 'derivative', 'resolve', 'reviver'].map((n) => [n, refuse(n)])),
  { override: true },
);

function plain(value) {
  if (math.typeOf(value) === 'ResultSet') return plain(value.entries[value.entries.length - 1]);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (value === undefined || value === null) return null;
  if (typeof value === 'function') throw new Error('the expression defines a function but does not call it');
  return math.format(value, { precision: 14 });
}

process.on('message', ({ id, expression }) => {
  try {
    process.send({ id, result: plain(evaluate(expression, {})) });
  } catch (err) {
    process.send({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
process.send({ ready: true });
// The parent going away (IPC closed) ends this process.
process.on('disconnect', () => process.exit(0));
