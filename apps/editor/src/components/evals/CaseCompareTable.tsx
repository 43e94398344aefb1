import type { CaseRecord, Comparison, EvalResult } from '../../lib/evals-api';
import { inputText, outputText, valueText } from './format';
import { TextDiff } from './TextDiff';
import { casesInOrder, CHANGE_LABELS } from './verdict';

interface Props {
  cmp: Comparison;
  a: EvalResult;
  b: EvalResult;
  onOpenRun(runId: string): void;
}

/** A case's first attempt: the one shown side by side (the statistics pair every repeat). */
function firstById(result: EvalResult): Map<string, CaseRecord> {
  const out = new Map<string, CaseRecord>();
  for (const c of result.cases) if (!out.has(c.id) || c.repeat < out.get(c.id)!.repeat) out.set(c.id, c);
  return out;
}

/** Every case of the two evals, regressions first: status and scores on each side, and how the output changed. */
export function CaseCompareTable({ cmp, a, b, onOpenRun }: Props) {
  const inA = firstById(a);
  const inB = firstById(b);
  const scorers = Object.keys(cmp.scorers);
  const side = (record: CaseRecord | undefined, which: string) => {
    if (!record) return <span className="muted">not in {which}</span>;
    return (
      <>
        <span className={`status ${record.status}`}>{record.status}</span>{' '}
        {scorers.map((s) => {
          const score = record.scores[s];
          return score ? (
            <span key={s} className={score.pass ? 'score pass' : 'score fail'} title={`${s}: ${score.reason}`}>
              {s} {score.score.toFixed(2)}{' '}
            </span>
          ) : null;
        })}
        {record.runId && (
          <a
            href="#"
            data-testid={`trace-${which}-${record.id}`}
            onClick={(e) => {
              e.preventDefault();
              onOpenRun(record.runId!);
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
            const record = rb ?? ra;
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
                  {ra && rb ? <TextDiff a={outputText(ra.outputs)} b={outputText(rb.outputs)} /> : outputText((ra ?? rb)?.outputs)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
