import { useEffect, useState, useSyncExternalStore } from 'react';
import { TextBox } from './TextBox';
import { LongValue } from './LongValue';
import { parseInputValue, pipelineInputs, type PipelineDocument } from '@patchbay/core';
import { formatMs } from '../lib/duration';
import type { RunStore } from '../lib/run-store';

interface Props {
  doc: PipelineDocument;
  runs: RunStore;
  canRun: boolean;
  onRun(inputs: Record<string, unknown>): void;
  onCancel(): void;
  /** Ctrl/⌘+Enter asked for a run: start it with the form as it is (once), then call onRunHandled. */
  runNow?: boolean;
  onRunHandled?(): void;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** The pipeline's inputs as a form, Run and Cancel, and the outputs of the shown run. */
export function RunPanel({ doc, runs, canRun, onRun, onCancel, runNow, onRunHandled }: Props) {
  const run = useSyncExternalStore(runs.subscribe, runs.getRun);
  const inputs = pipelineInputs(doc);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  // a reopened run fills the form with what it ran with, so it can be run again as it was
  useEffect(() => {
    if (!run.inputs || run.phase === 'running') return;
    setTexts(textsOf(run.inputs));
  }, [run.runId]); // eslint-disable-line react-hooks/exhaustive-deps

  // The keyboard's run: the form as typed, or (just opened) what the last run ran with.
  useEffect(() => {
    if (!runNow) return;
    onRunHandled?.();
    if (!canRun || run.phase === 'running') return;
    start(Object.keys(texts).length === 0 && run.inputs ? textsOf(run.inputs) : texts);
  }, [runNow]); // eslint-disable-line react-hooks/exhaustive-deps

  const textsOf = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));

  function start(given: Record<string, string> = texts) {
    const values: Record<string, unknown> = {};
    const problems: Record<string, string> = {};
    for (const input of inputs) {
      const text = given[input.name];
      if (text === undefined || text === '') {
        if (input.required) problems[input.name] = 'required';
        continue;
      }
      const parsed = parseInputValue(text, input.valueType);
      if (parsed.ok) values[input.name] = parsed.value;
      else problems[input.name] = parsed.message;
    }
    setErrors(problems);
    if (Object.keys(problems).length === 0) onRun(values);
  }

  const running = run.phase === 'running';
  return (
    <div data-testid="run-panel" className="row" style={{ alignItems: 'flex-start', gap: 24 }}>
      <form
        style={{ minWidth: 280 }}
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        {inputs.length === 0 && <p className="muted">This pipeline has no inputs.</p>}
        {inputs.map((input) => (
          <div key={input.name}>
            <label htmlFor={`run-input-${input.name}`}>
              {input.name} <span className="muted">({input.valueType}{input.required ? '' : ', optional'})</span>
              {input.description && <span className="muted"> — {input.description}</span>}
            </label>
            {input.valueType === 'string' || input.valueType === 'number' || input.valueType === 'boolean' ? (
              <input id={`run-input-${input.name}`} data-testid={`run-input-${input.name}`} value={texts[input.name] ?? ''} placeholder={input.default !== undefined ? String(input.default) : ''} onChange={(e) => setTexts({ ...texts, [input.name]: e.target.value })} />
            ) : (
              <TextBox id={`run-input-${input.name}`} data-testid={`run-input-${input.name}`} className="code" value={texts[input.name] ?? ''} placeholder="JSON" onText={(text) => setTexts({ ...texts, [input.name]: text })} />
            )}
            {errors[input.name] && <p className="error-text">{errors[input.name]}</p>}
          </div>
        ))}
        <div className="row" style={{ marginTop: 8 }}>
          <button type="submit" className="primary" data-testid="run-button" disabled={running || !canRun}>
            Run
          </button>
          <button type="button" data-testid="cancel-button" disabled={!running} onClick={onCancel}>
            Cancel
          </button>
          <span className={`status ${run.phase}`} data-testid="run-status">
            {run.phase === 'idle' ? '' : run.phase}
          </span>
          {run.durationMs !== undefined && <span className="muted">{formatMs(run.durationMs)}</span>}
        </div>
        {!canRun && <p className="muted">Fix the problems before running.</p>}
      </form>
      <div className="outputs" style={{ flex: 1 }}>
        {run.error && (
          <p className="error-text" data-testid="run-error">
            {run.failedNode ? `${run.failedNode}: ` : ''}
            {run.error}
          </p>
        )}
        {run.outputs &&
          Object.entries(run.outputs).map(([name, value]) => (
            <div key={name}>
              <h3>{name}</h3>
              <LongValue text={show(value)} testId={`run-output-${name}`} fileName={`run-${run.runId ?? 'unsaved'}-${name}.${typeof value === 'string' ? 'txt' : 'json'}`} />
            </div>
          ))}
      </div>
    </div>
  );
}
