import { Fragment } from 'react';
import type { CaseRecord, Comparison, EvalResult } from '../../lib/evals-api';
import { inputText, outputCutText, outputText, valueText } from './format';
import { TextDiff } from './TextDiff';
import { CUT_CHARACTERS } from '../../lib/cut-values';
import { casesInOrder, CHANGE_LABELS } from './verdict';

interface Props {
  cmp: Comparison;
  a: EvalResult;
  b: EvalResult;
  onOpenRun(runId: string): void;
}

/** Every attempt of each case, first attempt first: with repeats, a case regresses by its share of passing attempts. */
function attemptsById(result: EvalResult): Map<string, CaseRecord[]> {
  const out = new Map<string, CaseRecord[]>();
  for (const c of result.cases) {
    const list = out.get(c.id);
    if (list) list.push(c);
    else out.set(c.id, [c]);
  }
  for (const list of out.values()) list.sort((x, y) => x.repeat - y.repeat);
  return out;
}

/**
 * How the output changed from A to B. An output the runner cut (cut-values.ts) is diffed by its start; two cut
 * outputs are the same only when their placeholders are (the same hash), not when their starts are.
 */
function OutputChange({ a, b }: { a: Record<string, unknown>; b: Record<string, unknown> }) {
  if (JSON.stringify(a) === JSON.stringify(b)) return <span className="muted">same output</span>;
  const [textA, textB] = [outputText(a), outputText(b)];
  const cut = outputCutText(a) || outputCutText(b);
  return (
    <>
      {textA === textB ? <span className="muted">the same start; they differ past it</span> : <TextDiff a={textA} b={textB} />}
      {cut && <div className="muted">Diffing the first {CUT_CHARACTERS.toLocaleString('en-US')} characters: the traces have the whole outputs.</div>}
    </>
  );
}

/** Every case of the two evals, regressions first: status and scores on each side (over all its attempts), and how the first attempt's output changed. */
export function CaseCompareTable({ cmp, a, b, onOpenRun }: Props) {
  const inA = attemptsById(a);
  const inB = attemptsById(b);
  const scorers = Object.keys(cmp.scorers);
  const side = (attempts: CaseRecord[] | undefined, which: string) => {
    if (!attempts) return <span className="muted">not in {which}</span>;
    const [first] = attempts;
    const passed = attempts.filter((r) => r.status === 'passed').length;
    const status = attempts.length === 1 ? first.status : passed === attempts.length ? 'passed' : passed === 0 ? first.status : 'flaky';
    return (
      <>
        <span className={`status ${status}`} data-testid={`status-${which}-${first.id}`}>
          {attempts.length === 1 ? first.status : `${passed}/${attempts.length} passed`}
        </span>{' '}
        {scorers.map((s) => {
          const scores = attempts.flatMap((r) => (r.scores[s] ? [r.scores[s]] : []));
          if (!scores.length) return null;
          const mean = scores.reduce((sum, x) => sum + x.score, 0) / scores.length;
          const reasons = scores.map((x, i) => (scores.length > 1 ? `#${i + 1} ${x.reason}` : x.reason)).join('\n');
          // the space between two scores is outside them: a line may end there, never inside a score
          return (
            <Fragment key={s}>
              <span className={scores.every((x) => x.pass) ? 'score pass' : 'score fail'} title={`${s}${scores.length > 1 ? ' (mean of attempts)' : ''}: ${reasons}`}>
                {s} {mean.toFixed(2)}
              </span>{' '}
            </Fragment>
          );
        })}
        {first.runId && (
          <a
            href="#"
            data-testid={`trace-${which}-${first.id}`}
            title={attempts.length > 1 ? 'the trace of the first attempt' : undefined}
            onClick={(e) => {
              e.preventDefault();
              onOpenRun(first.runId!);
            }}
          >
            trace
          </a>
        )}
      </>
    );
  };
  return (
    <div className="table-scroll">
      <table className="evals-table" data-testid="case-compare-table">
        <thead>
          <tr>
            <th>Case</th>
            <th>Change</th>
            <th>Input / expected</th>
            <th>A</th>
            <th>B</th>
            <th>Output (A → B)</th>
          </tr>
        </thead>
        <tbody>
          {casesInOrder(cmp).map(({ id, change }) => {
            const ra = inA.get(id);
            const rb = inB.get(id);
            const record = (rb ?? ra)?.[0];
            const repeated = (ra?.length ?? 0) > 1 || (rb?.length ?? 0) > 1;
            return (
              <tr key={id} data-testid={`compare-case-${id}`} data-change={change} className={`change-${change}`}>
                <td>
                  <code>{id}</code>
                </td>
                <td>
                  <span className={`badge change ${change}`}>{CHANGE_LABELS[change]}</span>
                </td>
                <td className="cell-text">
                  {inputText(record?.input)}
                  {record?.expected !== undefined && <div className="muted">expected: {valueText(record.expected)}</div>}
                </td>
                <td>{side(ra, 'A')}</td>
                <td>{side(rb, 'B')}</td>
                <td className="cell-text">
                  {repeated && <div className="muted">first attempt</div>}
                  {ra && rb ? <OutputChange a={ra[0].outputs} b={rb[0].outputs} /> : outputText(record?.outputs)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
