import { useNodeRun, useRunStore, useShownRunId } from './CanvasContext';
import { LongValue, RunPorts } from './LongValue';
import { formatMs } from '../lib/duration';
import { ChildRunDetails } from './ChildRunDetails';

/** What the shown run did at one node: inputs, outputs, duration, tokens, cost, error. */
export function NodeRunDetails({ id }: { id: string }) {
  const run = useNodeRun(id);
  const runId = useShownRunId();
  const runs = useRunStore();
  if (!run) return null;
  const file = (what: string, ext: string) => `run-${runId ?? 'unsaved'}-${id}-${what}.${ext}`;
  const trace = run.trace;
  return (
    <section data-testid="node-run-details" style={{ marginTop: 12 }}>
      <h2>
        Run at <code>{id}</code> <span className={`status ${run.status}`} data-testid="node-run-status">{run.status}</span>
      </h2>
      <dl className="kv">
        {trace?.durationMs !== undefined && (
          <>
            <dt>Duration</dt>
            <dd data-testid="node-run-duration">{formatMs(trace.durationMs)}</dd>
          </>
        )}
        {trace && trace.attempts > 1 && (
          <>
            <dt>Attempts</dt>
            <dd>{trace.attempts}</dd>
          </>
        )}
        {trace?.model && (
          <>
            <dt>Model</dt>
            <dd>{trace.model}</dd>
          </>
        )}
        {trace?.usage && (
          <>
            <dt>Tokens</dt>
            <dd data-testid="node-run-tokens">
              {trace.usage.promptTokens} in, {trace.usage.completionTokens} out ({trace.usage.totalTokens})
            </dd>
          </>
        )}
        {trace && trace.costUsd !== undefined && (trace.usage || trace.model) && (
          <>
            <dt>Cost</dt>
            <dd data-testid="node-run-cost">{trace.costUsd === null ? 'unknown price' : `$${trace.costUsd.toFixed(6)}`}</dd>
          </>
        )}
      </dl>
      {run.error && (
        <>
          <h3>Error</h3>
          <pre className="value error-text" data-testid="node-run-error">
            {run.error}
          </pre>
        </>
      )}
      {trace?.inputs && (
        <>
          <h3>Inputs</h3>
          <RunPorts ports={trace.inputs} runs={runs} testId="node-run-inputs" fileName={file('inputs', 'json')} />
        </>
      )}
      {(trace?.outputs || run.text) && (
        <>
          <h3>Outputs</h3>
          {trace?.outputs ? (
            <RunPorts ports={trace.outputs} runs={runs} testId="node-run-outputs" fileName={file('outputs', 'json')} />
          ) : (
            <LongValue text={run.text ?? ''} testId="node-run-outputs" fileName={file('text', 'txt')} />
          )}
        </>
      )}
      <ChildRunDetails trace={trace} />
    </section>
  );
}
