import type { EvalResult } from '../../lib/evals-api';
import { inputText, outputCutText, outputText, valueText } from './format';

/** Every case × repeat of a result: input, output, expected, each score (its reason on hover), and a link to its trace on the canvas. */
export function ResultsTable({ result, onOpenRun }: { result: EvalResult; onOpenRun(runId: string): void }) {
  const scorers = Object.keys(result.summary.scorers);
  const repeats = result.cases.some((c) => c.repeat > 1);
  return (
    <div className="table-scroll">
      <table className="evals-table" data-testid="results-table">
        <thead>
          <tr>
            <th>Case</th>
            <th>Input</th>
            <th>Output</th>
            <th>Expected</th>
            {scorers.map((s) => (
              <th key={s}>{s}</th>
            ))}
            <th>Result</th>
            <th>
              <span className="visually-hidden">Trace</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {result.cases.map((c) => (
            <tr key={`${c.id}#${c.repeat}`} data-testid={`case-row-${c.id}${repeats ? `-${c.repeat}` : ''}`}>
              <td>
                <code>{c.id}</code>
                {repeats && <span className="muted"> #{c.repeat}</span>}
              </td>
              <td className="cell-text">{inputText(c.input)}</td>
              <td className="cell-text">
                {c.error && !Object.keys(c.outputs).length ? <span className="error-text">{c.error}</span> : outputText(c.outputs)}
                {outputCutText(c.outputs) && (
                  <div className="muted" data-testid={`output-cut-${c.id}`}>
                    {c.runId ? `${outputCutText(c.outputs)} Its trace has the whole.` : outputCutText(c.outputs)}
                  </div>
                )}
              </td>
              <td className="cell-text">{valueText(c.expected)}</td>
              {scorers.map((s) => {
                const score = c.scores[s];
                if (!score) return <td key={s} className="muted">–</td>;
                return (
                  <td key={s} className={score.pass ? 'score pass' : 'score fail'} title={score.error ?? score.reason} data-testid={`score-${c.id}-${s}`}>
                    {score.pass ? '✓' : '✗'} {score.score.toFixed(2)}
                  </td>
                );
              })}
              <td>
                <span className={`status ${c.status}`}>{c.status}</span>
              </td>
              <td>
                {c.runId && (
                  <a
                    href={`/pipelines/${encodeURIComponent(result.pipeline.name)}?run=${c.runId}`}
                    data-testid={`trace-${c.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      onOpenRun(c.runId!);
                    }}
                  >
                    trace
                  </a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
