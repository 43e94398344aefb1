import { useEffect, useState, useSyncExternalStore } from 'react';
import { TextBox } from './TextBox';
import { RunValue } from './LongValue';
import { cutOf } from '../lib/cut-values';
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

const count = (n: number) => n.toLocaleString('en-US');

/**
 * A run's inputs as the form's texts, and those the runner cut (lib/cut-values.ts) apart: such an input is kept as
 * it is and fetched whole only when the form runs with it. Laid out in a field, megabytes held the page for seconds.
 */
function formOf(values: Record<string, unknown>): { texts: Record<string, string>; kept: Record<string, unknown> } {
  const texts: Record<string, string> = {};
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (cutOf(v)) kept[k] = v;
    else texts[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return { texts, kept };
}

/** The pipeline's inputs as a form, Run and Cancel, and the outputs of the shown run. */
export function RunPanel({ doc, runs, canRun, onRun, onCancel, runNow, onRunHandled }: Props) {
  const run = useSyncExternalStore(runs.subscribe, runs.getRun);
  const inputs = pipelineInputs(doc);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  // Inputs of the shown run the runner cut, run with as they were unless another value is typed.
  const [kept, setKept] = useState<Record<string, unknown>>({});
  const [keptFrom, setKeptFrom] = useState<string>();
  const [fetching, setFetching] = useState(false);
  // a reopened run fills the form with what it ran with, so it can be run again as it was
  useEffect(() => {
    if (!run.inputs || run.phase === 'running') return;
    const form = formOf(run.inputs);
    setTexts(form.texts);
    setKept(form.kept);
    setKeptFrom(run.runId);
  }, [run.runId]); // eslint-disable-line react-hooks/exhaustive-deps

  // The keyboard's run: the form as typed, or (just opened) what the last run ran with.
  useEffect(() => {
    if (!runNow) return;
    onRunHandled?.();
    if (!canRun || run.phase === 'running' || fetching) return;
    if (Object.keys(texts).length === 0 && Object.keys(kept).length === 0 && run.inputs) {
      const form = formOf(run.inputs);
      void start(form.texts, form.kept, run.runId);
    } else void start();
  }, [runNow]); // eslint-disable-line react-hooks/exhaustive-deps

  async function start(given: Record<string, string> = texts, keep: Record<string, unknown> = kept, from = keptFrom) {
    const values: Record<string, unknown> = {};
    const problems: Record<string, string> = {};
    const whole: Record<string, unknown> = {};
    for (const input of inputs) {
      const text = given[input.name];
      if ((text === undefined || text === '') && keep[input.name] !== undefined) {
        whole[input.name] = keep[input.name];
        continue;
      }
      if (text === undefined || text === '') {
        if (input.required) problems[input.name] = 'required';
        continue;
      }
      const parsed = parseInputValue(text, input.valueType);
      if (parsed.ok) values[input.name] = parsed.value;
      else problems[input.name] = parsed.message;
    }
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    if (Object.keys(whole).length === 0) return onRun(values);
    setFetching(true);
    try {
      onRun({ ...values, ...(await runs.whole(whole, from)) });
    } catch (err) {
      setErrors({ [Object.keys(whole)[0]]: `could not load the run's value: ${(err as Error).message}` });
    } finally {
      setFetching(false);
    }
  }

  /** Typing replaces the kept value of the run. */
  const type = (name: string, text: string) => {
    setTexts({ ...texts, [name]: text });
    if (name in kept) setKept(Object.fromEntries(Object.entries(kept).filter(([k]) => k !== name)));
  };
  const keptLine = (name: string) => {
    const cut = cutOf(kept[name]);
    return cut && !texts[name] ? `Runs with this run's value (${count(cut.chars)} characters) unless you type another.` : undefined;
  };
  const keptPlaceholder = (name: string) => {
    const cut = cutOf(kept[name]);
    return cut && `${cut.preview.slice(0, 200)}…`;
  };

  const running = run.phase === 'running';
  return (
    <div data-testid="run-panel" className="row" style={{ alignItems: 'flex-start', gap: 24 }}>
      <form
        style={{ minWidth: 280 }}
        onSubmit={(e) => {
          e.preventDefault();
          void start();
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
              <input id={`run-input-${input.name}`} data-testid={`run-input-${input.name}`} value={texts[input.name] ?? ''} placeholder={keptPlaceholder(input.name) ?? (input.default !== undefined ? String(input.default) : '')} onChange={(e) => type(input.name, e.target.value)} />
            ) : (
              <TextBox id={`run-input-${input.name}`} data-testid={`run-input-${input.name}`} className="code" value={texts[input.name] ?? ''} placeholder={keptPlaceholder(input.name) ?? 'JSON'} onText={(text) => type(input.name, text)} />
            )}
            {keptLine(input.name) && (
              <p className="muted value-cut" data-testid={`run-input-${input.name}-kept`}>
                {keptLine(input.name)}
              </p>
            )}
            {errors[input.name] && <p className="error-text">{errors[input.name]}</p>}
          </div>
        ))}
        <div className="row" style={{ marginTop: 8 }}>
          <button type="submit" className="primary" data-testid="run-button" disabled={running || !canRun || fetching}>
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
              <RunValue value={value} runs={runs} testId={`run-output-${name}`} fileName={`run-${run.runId ?? 'unsaved'}-${name}.${typeof value === 'string' || cutOf(value)?.type === 'string' ? 'txt' : 'json'}`} />
            </div>
          ))}
      </div>
    </div>
  );
}
