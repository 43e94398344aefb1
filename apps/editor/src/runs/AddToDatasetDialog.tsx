import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../lib/api-client';
import { Dialog } from '../components/Dialog';
import type { MonitoringApi } from '../monitoring/monitoring-api';

interface Props {
  api: MonitoringApi;
  runIds: string[];
  onClose(): void;
}

type Added = Awaited<ReturnType<MonitoringApi['addCases']>>;

const named = (pipeline: string | null) => pipeline ?? 'an unsaved document';

/**
 * The runner's `mixed-pipelines` refusal in the dialog's words: its detail ends 'or send "allowMixedPipelines": true',
 * a field of the API; here the choice is the "Add anyway" box.
 */
function mixedMessage(body: { pipelines?: (string | null)[]; datasetPipeline?: string | null }, dataset: string, runs: number): string {
  const pipelines = body.pipelines ?? [];
  const these = runs === 1 ? 'this run is' : 'these runs are';
  const why = 'an eval runs one pipeline on a dataset, so its cases are best the inputs of one';
  if (body.datasetPipeline !== undefined) {
    const others = pipelines.filter((p) => p !== body.datasetPipeline).map(named);
    return `${dataset} holds cases made from runs of ${named(body.datasetPipeline)}, and ${these} of ${others.join(', ')}: ${why}. Pick another dataset, or add ${runs === 1 ? 'it' : 'them'} anyway.`;
  }
  return `These runs are of ${pipelines.length} pipelines (${pipelines.map(named).join(', ')}): ${why}. Add each pipeline's runs on their own, or add them anyway.`;
}

/**
 * "Add to dataset": the runs' inputs become cases of a dataset picked from the list or named anew
 * (a new version of it; runs already in it add nothing), optionally with each run's output as a
 * draft expected value.
 */
export function AddToDatasetDialog({ api, runIds, onClose }: Props) {
  const [datasets, setDatasets] = useState<{ name: string; caseCount: number }[]>([]);
  const [name, setName] = useState('');
  const [expected, setExpected] = useState<'none' | 'output'>('none');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ onName: boolean; message: string }>();
  const [added, setAdded] = useState<Added>();
  // Offered once the runner refused runs of several pipelines in one dataset.
  const [mixed, setMixed] = useState<{ allow: boolean }>();

  useEffect(() => {
    api.datasets().then((list) => setDatasets(list.map((d) => ({ name: d.name, caseCount: d.caseCount }))), () => setDatasets([]));
  }, [api]);

  const existing = datasets.find((d) => d.name === name.trim());
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setProblem({ onName: true, message: 'choose a dataset or name a new one' });
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      setAdded(await api.addCases(name.trim(), { fromRuns: runIds, expected, ...(mixed?.allow ? { allowMixedPipelines: true } : {}) }));
    } catch (err) {
      const body = err instanceof ApiError ? (err.body as any) : undefined;
      if (body?.type === 'urn:patchbay:problem:mixed-pipelines') {
        setMixed({ allow: false });
        setProblem({ onName: false, message: mixedMessage(body, name.trim(), runIds.length) });
        return;
      }
      const path: string | undefined = body?.errors?.[0]?.path;
      setProblem({ onName: path === 'path.name', message: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const what = runIds.length === 1 ? 'this run' : `these ${runIds.length} runs`;
  return (
    <Dialog title={`Add ${what} to a dataset`} testId="add-to-dataset" onClose={onClose}>
      {added ? (
        <>
          <p data-testid="add-result" role="status">
            {added.added > 0
              ? `Added ${added.added} case${added.added === 1 ? '' : 's'} to ${added.name}: version ${added.hash.slice(0, 8)} has ${added.caseCount} cases.`
              : added.skipped === 0
                ? `Nothing added: ${what === 'this run' ? 'the run is' : 'the runs are'} already in ${added.name} (${added.caseCount} cases).`
                : `Nothing added to ${added.name} (${added.caseCount} cases).`}
            {/* A run that did not succeed has no output to draft an expected value from: the runner skips it. */}
            {added.skipped > 0 &&
              ` ${added.skipped === 1 ? '1 run was' : `${added.skipped} runs were`} skipped: ${added.skipped === 1 ? 'it' : 'they'} did not succeed, so there is no output to draft from (add ${added.skipped === 1 ? 'it' : 'them'} with no expected value to keep the inputs).`}
          </p>
          <div className="buttons">
            <button className="primary" onClick={onClose} data-testid="add-done">
              Done
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit}>
          <label htmlFor="dataset-name">Dataset (pick one or type a new name)</label>
          <input
            id="dataset-name"
            list="dataset-names"
            value={name}
            autoFocus
            data-testid="dataset-name"
            aria-invalid={problem?.onName || undefined}
            aria-describedby={problem?.onName ? 'dataset-name-error' : 'dataset-name-hint'}
            onChange={(e) => {
              setName(e.target.value);
              setProblem(undefined);
              setMixed(undefined);
            }}
          />
          <datalist id="dataset-names">
            {datasets.map((d) => (
              <option key={d.name} value={d.name} />
            ))}
          </datalist>
          {problem?.onName ? (
            <p className="error-text" id="dataset-name-error" role="alert" data-testid="dataset-name-error">
              {problem.message}
            </p>
          ) : (
            <p className="muted" id="dataset-name-hint">
              {!name.trim() ? `${datasets.length} datasets exist.` : existing ? `Adds to ${existing.name} (${existing.caseCount} cases now).` : `Creates the dataset ${name.trim()}.`}
            </p>
          )}
          <fieldset className="radio-row">
            <legend>Expected value of each case</legend>
            <label>
              <input type="radio" name="expected" checked={expected === 'none'} onChange={() => setExpected('none')} /> none (score with scorers that need none)
            </label>
            <label>
              <input type="radio" name="expected" checked={expected === 'output'} onChange={() => setExpected('output')} data-testid="expected-output" /> the run&apos;s output, as a draft to edit
            </label>
          </fieldset>
          {problem && !problem.onName && (
            <p className="error-text" role="alert" data-testid="add-error">
              {problem.message}
            </p>
          )}
          {mixed && (
            <label>
              <input type="checkbox" checked={mixed.allow} onChange={(e) => setMixed({ allow: e.target.checked })} data-testid="allow-mixed" /> Add anyway: {name.trim()} then holds cases of more than one pipeline
            </label>
          )}
          <div className="buttons">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy} data-testid="add-submit">
              {busy ? 'Adding…' : 'Add'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
