import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { labelProblem } from '@patchbay/core';
import type { DatasetSummary, EvalsApi, StoredSuite } from '../lib/evals-api';
import type { CheckState, DeployStore } from './deploy-store';
import { gatesAlone, gateWords } from './gate-names';
import { CallersReason, callersWords, stoppedWords } from './CallersReason';
import { MoveAnyway } from './MoveAnyway';
import { Verdict } from './Verdict';

interface Props {
  name: string;
  store: DeployStore;
  evals: EvalsApi;
  onOpenEvals(): void;
  onOpenComparison(holderEval: string, candidateEval: string): void;
}

const CONVENTIONAL = ['production', 'staging'];

/**
 * Moves a label, the comparison first: Compare runs the promotion as a dry run against the
 * version the label points at now and shows its verdict; only then is there a move button.
 * A refused verdict offers "Move anyway", which asks once more before a forced move.
 */
export function DeployPanel({ name, store, evals, onOpenEvals, onOpenComparison }: Props) {
  const labels = useStore(store, (s) => s.labels);
  const versions = useStore(store, (s) => s.versions);
  const check = useStore(store, (s) => s.step);
  const [label, setLabel] = useState('production');
  const [version, setVersion] = useState<number>();
  const [datasets, setDatasets] = useState<DatasetSummary[]>();
  const [dataset, setDataset] = useState('');
  const [suites, setSuites] = useState<StoredSuite[]>();
  const [suiteName, setSuiteName] = useState('');
  const [error, setError] = useState<string>();

  useEffect(() => {
    evals.datasets().then((list) => {
      setDatasets(list);
      setDataset((d) => d || list[0]?.name || '');
    }, (err: Error) => setError(err.message));
    evals.suites().then((list) => {
      setSuites(list);
      // a suite saved under the pipeline's name is the likely one
      setSuiteName((s) => s || (list.find((x) => x.name === name) ?? list[0])?.name || '');
    }, (err: Error) => setError(err.message));
  }, [evals, name]);

  // the newest version that can run is the likely candidate
  useEffect(() => {
    if (version === undefined && versions?.length) setVersion((versions.find((v) => v.problems.length === 0) ?? versions[0]).number);
  }, [versions, version]);

  // refused here, in one line, before a promotion is sent with it
  const problem = labelProblem(label.trim());
  const holder = problem ? undefined : labels?.[label.trim()]?.version;
  const busy = check.phase === 'checking' || check.phase === 'moving';
  const chosen = versions?.find((v) => v.number === version);
  const suite = suites?.find((s) => s.name === suiteName);
  const labelNames = [...new Set([...CONVENTIONAL, ...Object.keys(labels ?? {})])];
  const current = check.phase !== 'idle' && check.label === label.trim() && check.version === version ? check : undefined;

  const pick = (apply: () => void) => {
    apply();
    store.getState().reset();
  };
  const compare = () => {
    if (!suite || version === undefined || !dataset) return;
    // named as saved, so a later promotion with the same suite reuses these evals
    store.getState().check(label.trim(), version, { ...suite.suite, name: suite.suite.name ?? suite.name, dataset });
  };

  return (
    <section className="evals-card deploy-panel" aria-labelledby="deploy-panel-title" data-testid="deploy-panel">
      <h2 id="deploy-panel-title">Deploy</h2>
      <div className="form-grid">
        <div>
          <label htmlFor="deploy-label">Label</label>
          <input
            id="deploy-label"
            data-testid="deploy-label"
            list="deploy-label-names"
            value={label}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'deploy-label-problem' : undefined}
            onChange={(e) => pick(() => setLabel(e.target.value))}
          />
          <datalist id="deploy-label-names">
            {labelNames.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </div>
        <div>
          <label htmlFor="deploy-version">Version</label>
          <select id="deploy-version" data-testid="deploy-version" value={version ?? ''} onChange={(e) => pick(() => setVersion(Number(e.target.value)))}>
            {(versions ?? []).map((v) => (
              <option key={v.number} value={v.number} disabled={v.problems.length > 0}>
                v{v.number}
                {v.message ? ` — ${v.message}` : ''}
                {Object.entries(labels ?? {})
                  .filter(([, state]) => state.version === v.number)
                  .map(([n]) => ` [${n}]`)
                  .join('')}
                {v.problems.length ? ' (has problems)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="deploy-dataset">Dataset</label>
          <select id="deploy-dataset" data-testid="deploy-dataset" value={dataset} onChange={(e) => pick(() => setDataset(e.target.value))}>
            {datasets?.length === 0 && <option value="">no datasets yet</option>}
            {(datasets ?? []).map((d) => (
              <option key={d.name} value={d.name}>
                {d.name} ({d.caseCount} cases)
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="deploy-suite">Suite (scorers and gates)</label>
          <select id="deploy-suite" data-testid="deploy-suite" value={suiteName} onChange={(e) => pick(() => setSuiteName(e.target.value))}>
            {suites?.length === 0 && <option value="">no saved suites yet</option>}
            {(suites ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} ({s.suite.scorers.length} scorer{s.suite.scorers.length === 1 ? '' : 's'}; {gateWords(s.suite.gate)})
              </option>
            ))}
          </select>
        </div>
      </div>
      {(datasets?.length === 0 || suites?.length === 0) && (
        <p className="muted" data-testid="deploy-needs-suite">
          A move is checked by an eval: upload a dataset and save a suite (its scorers) in{' '}
          <button className="link-button" onClick={onOpenEvals}>
            Evals
          </button>
          , then compare here.
        </p>
      )}
      {problem && (
        <p className="error-text" id="deploy-label-problem" data-testid="deploy-label-problem">
          Label: {problem}
        </p>
      )}
      <p data-testid="deploy-holder" hidden={!!problem}>
        {holder === undefined ? (
          <>
            <strong>{label.trim() || 'The label'}</strong> is not set yet: {notSetChecks(version, suite?.suite.gate)}
          </>
        ) : (
          <>
            <strong>{label.trim()}</strong> points at v{holder} now.
          </>
        )}
      </p>
      {chosen && chosen.problems.length > 0 && <p className="error-text">v{chosen.number} has problems: a label cannot point at it.</p>}
      {error && <p className="error-text">{error}</p>}
      <button
        className={current?.phase === 'checked' || current?.phase === 'moved' ? '' : 'primary'}
        data-testid="deploy-compare"
        disabled={busy || !suite || !dataset || version === undefined || !!problem || holder === version || (chosen?.problems.length ?? 0) > 0}
        onClick={compare}
      >
        {holder === version ? `${label.trim()} already points at v${version}` : holder === undefined ? `Check v${version ?? '?'}` : `Compare v${version ?? '?'} with v${holder}`}
      </button>
      <div aria-live="polite">
        {current?.phase === 'checking' && (
          <p className="muted" data-testid="deploy-progress">
            Comparing… {current.progress}
          </p>
        )}
        {current?.phase === 'failed' && (
          <p className="error-text" data-testid="deploy-error">
            {current.message}
          </p>
        )}
        {current?.phase === 'callers' && (
          <div className="deploy-misfit" data-testid="deploy-callers">
            <CallersReason testId="deploy-callers-reason" action={`Moving ${current.label} to v${current.version}`} calls={`${name}@${current.label}, and with v${current.version} there`} callers={current.callers} />
            <p>Move {callersWords(current.callers)} first (to a version that does not need it), or move {current.label} to v{current.version} anyway.</p>
          </div>
        )}
        {current?.phase === 'unfit' && (
          <HolderMisfit step={current} onPickOther={() => document.getElementById(current.at === 'dataset' ? 'deploy-dataset' : 'deploy-suite')?.focus()} />
        )}
        {/* a move forced past a holder the suite cannot evaluate compared nothing: no verdict to show */}
        {(current?.phase === 'checked' || current?.phase === 'moving' || current?.phase === 'moved') && (current.promotion.comparison !== null || current.promotion.from === null) && (
          <Verdict label={current.label} promotion={current.promotion} onOpenComparison={onOpenComparison} moved={current.phase === 'moved'} />
        )}
        {current && <MoveActions store={store} label={current.label} version={current.version} />}
      </div>
    </section>
  );
}

/**
 * The check was refused because the version the label holds cannot be evaluated on this dataset and suite:
 * there is nothing to compare with. The ways on: another dataset or suite (the field at fault takes the
 * focus), or Move anyway below, which forces the move as `patchbay promote --force` does.
 */
function HolderMisfit({ step, onPickOther }: { step: Extract<CheckState, { phase: 'unfit' }>; onPickOther(): void }) {
  return (
    <div className="deploy-misfit" data-testid="deploy-holder-misfit">
      <p className="error-text" data-testid="deploy-misfit-reason">
        v{step.version} cannot be compared with v{step.holder}: v{step.holder}, which {step.label} points at now, cannot be evaluated on this dataset and suite: {step.reason}.
      </p>
      <p>
        Choose a dataset and suite that fit both versions, or move {step.label} to v{step.version} anyway.{' '}
        <button className="link-button" data-testid="deploy-pick-other" onClick={onPickOther}>
          Choose another {step.at}
        </button>
      </p>
    </div>
  );
}

/** What checks a version for a label not set yet: only the gates that need no version to compare with. */
function notSetChecks(version: number | undefined, gate: Parameters<typeof gatesAlone>[0]): string {
  const to = `v${version ?? '?'}`;
  const alone = gatesAlone(gate);
  return alone.length
    ? `with no version there to compare ${to} with, only ${alone.join(', ')} applies.`
    : `with no version there to compare ${to} with, no gate of this suite applies, and ${to} can be the first version there.`;
}

/** After the verdict: Move (it passed), or Move anyway and its deliberate second click (it did not); then what happened. */
function MoveActions({ store, label, version }: { store: DeployStore; label: string; version: number }) {
  const check = useStore(store, (s) => s.step);
  if (check.phase === 'moving') return <p className="muted">Moving {label} to v{version}…</p>;
  if (check.phase === 'moved') {
    const p = check.promotion;
    return (
      <p className="deploy-moved" data-testid="deploy-moved" role="status">
        {label}: {p.from === null ? '(not set)' : `v${p.from}`} → v{p.to}
        {p.forced ? ' — moved anyway; the history records it as forced.' : '.'}
      </p>
    );
  }
  if (check.phase === 'unfit') return <PanelMoveAnyway store={store} label={label} version={version} from={check.holder} armed={check.armed} question={`Move ${label} to v${version} without comparing it with v${check.holder}?`} consequence={`v${version} alone is evaluated (its own gates still apply), and the history records the move as forced.`} />;
  if (check.phase === 'callers') return <PanelMoveAnyway store={store} label={label} version={version} from={check.holder} armed={check.armed} question={`Move ${label} to v${version} though ${stoppedWords(check.callers)} would stop running?`} consequence={`v${version} is still evaluated and compared, and the history records the move as forced.`} />;
  if (check.phase !== 'checked') return null;
  if (check.promotion.gates?.passed) {
    return (
      <button className="primary" data-testid="deploy-move" onClick={() => store.getState().move()}>
        Move {label} to v{version}
      </button>
    );
  }
  const { from, gates } = check.promotion;
  // the gates that failed, named as the verdict names them: "worse" would be wrong for a pass rate, or a label not set
  const failing = (gates?.checks ?? []).filter((c) => !c.passed && !c.skipped).map((c) => c.gate);
  const question = `Move ${label} to v${version} though ${failing.length ? `${failing.join(', ')} ${failing.length === 1 ? 'fails' : 'fail'}` : 'a gate fails'}?`;
  return <PanelMoveAnyway store={store} label={label} version={version} from={from} armed={check.armed} question={question} consequence="The history records the move as forced, with this eval." />;
}

/** Move anyway as the panel offers it: the store arms and moves the step on screen. */
function PanelMoveAnyway({ store, label, version, from, armed, question, consequence }: { store: DeployStore; label: string; version: number; from: number | null; armed: boolean; question: string; consequence: string }) {
  return (
    <MoveAnyway
      testId="deploy"
      label={label}
      move={`move ${label} to v${version}`}
      stays={`${label} stays ${from === null ? 'unset' : `at v${from}`} unless you move it anyway.`}
      armed={armed}
      question={question}
      consequence={consequence}
      onArm={(armed) => store.getState().arm(armed)}
      onMove={() => store.getState().move()}
    />
  );
}
