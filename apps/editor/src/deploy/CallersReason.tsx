import type { LabelCaller } from './label-callers';

const named = (c: LabelCaller) => `${c.pipeline}@${c.label}`;
// the runner's problem is a clause of its own one-line detail: it ends the sentence here
const clause = (problem: string) => problem.replace(/\.$/, '');

/**
 * Why the runner refused (409 `label-has-callers`), in a sentence: `action` ("Moving production back to v1") would
 * stop the labelled versions that call it from running; `calls` says what they call ("child@production, and with v1
 * there"). One caller is one line; several are listed, each with its reason.
 */
export function CallersReason({ testId, action, calls, callers }: { testId: string; action: string; calls: string; callers: LabelCaller[] }) {
  const [first] = callers;
  if (callers.length === 1) {
    return (
      <p className="error-text" data-testid={testId}>
        {action} would stop {named(first)} (v{first.version}) from running: it calls {calls}: {clause(first.problem)}.
      </p>
    );
  }
  return (
    <div className="error-text" data-testid={testId}>
      <p>
        {action} would stop {callers.length} labelled versions that call {calls.replace(/,.*$/, '')} from running:
      </p>
      <ul>
        {callers.map((c) => (
          <li key={named(c)}>
            {named(c)} (v{c.version}): {clause(c.problem)}.
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Who to move first, in words: the one caller's name, or "them". */
export const callersWords = (callers: LabelCaller[]) => (callers.length === 1 ? named(callers[0]) : 'them');
/** What would stop running, in words, for a question. */
export const stoppedWords = (callers: LabelCaller[]) => (callers.length === 1 ? named(callers[0]) : `the ${callers.length} labelled versions that call it`);
