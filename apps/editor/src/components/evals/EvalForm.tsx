import { useEffect, useMemo, useState } from 'react';
import { nodePorts, type PipelineDocument } from '@patchbay/core';
import type { Api, VersionSummary } from '../../lib/api';
import type { DatasetSummary, EvalListItem, EvalsApi, ScorerSpec, ScorerType } from '../../lib/evals-api';
import { DatasetUpload } from './DatasetUpload';
import { ScorerEditor, type ScorerDraft } from './ScorerEditor';

interface Props {
  api: EvalsApi;
  pipelineApi: Api;
  name: string;
  history: EvalListItem[] | undefined;
  onStarted(id: string): void;
}

/** What a scorer can read in a version: its outputs by name, and every node port as `node:<id>.<port>`. */
function targetsOf(doc: PipelineDocument | undefined): string[] {
  if (!doc) return [];
  const outputs = doc.nodes.filter((n) => n.type === 'output').map((n) => String((n.config as { name?: unknown })?.name ?? n.id));
  const ports = doc.nodes.flatMap((n) => (nodePorts(n)?.outputs ?? []).map((port) => `node:${n.id}.${port.name}`));
  return [...outputs, ...ports];
}

/** Choose a version, a dataset (or upload one) and scorers; Run starts the eval. */
export function EvalForm({ api, pipelineApi, name, history, onStarted }: Props) {
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [version, setVersion] = useState<number>();
  const [doc, setDoc] = useState<PipelineDocument>();
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  const [dataset, setDataset] = useState('');
  const [types, setTypes] = useState<ScorerType[]>([]);
  const [scorers, setScorers] = useState<ScorerDraft[]>([{ type: 'contains', name: '', target: '', threshold: '', params: '' }]);
  const [repeat, setRepeat] = useState('1');
  const [concurrency, setConcurrency] = useState('8');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    pipelineApi.listVersions(name).then((list) => {
      setVersions(list);
      setVersion((v) => v ?? list[0]?.number);
    }, (err: Error) => setError(err.message));
    api.scorerTypes().then(setTypes, (err: Error) => setError(err.message));
  }, [api, pipelineApi, name]);

  const loadDatasets = (select?: string) =>
    api.datasets().then((list) => {
      setDatasets(list);
      // the dataset of the latest eval is the likely one; else the first
      setDataset((d) => select ?? (d || history?.[0]?.dataset.name || list[0]?.name || ''));
    }, (err: Error) => setError(err.message));
  useEffect(() => {
    loadDatasets();
  }, [api]);

  useEffect(() => {
    if (version === undefined) return;
    pipelineApi.getVersion(name, version).then((v) => setDoc(v.document), () => setDoc(undefined));
  }, [pipelineApi, name, version]);

  const targets = useMemo(() => targetsOf(doc), [doc]);
  const chosen = versions.find((v) => v.number === version);

  async function run() {
    setError(undefined);
    let specs: ScorerSpec[];
    try {
      specs = scorers.map((s, i) => {
        const spec: ScorerSpec = { type: s.type };
        if (s.name.trim()) spec.name = s.name.trim();
        if (s.target.trim()) spec.target = s.target.trim();
        if (s.threshold.trim()) spec.threshold = Number(s.threshold);
        if (s.params.trim()) {
          try {
            spec.params = JSON.parse(s.params);
          } catch {
            throw new Error(`scorer ${i + 1}: params are not JSON`);
          }
        }
        return spec;
      });
    } catch (err) {
      return setError((err as Error).message);
    }
    setBusy(true);
    try {
      const { id } = await api.startEval({
        pipeline: name,
        version: version!,
        dataset,
        suite: { scorers: specs, repeat: Number(repeat) || 1, concurrency: Number(concurrency) || 8 },
      });
      onStarted(id);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div data-testid="eval-form">
      <div className="form-grid">
        <div>
          <label htmlFor="eval-version">Version</label>
          <select id="eval-version" data-testid="eval-version" value={version ?? ''} onChange={(e) => setVersion(Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number} {v.message ? `— ${v.message}` : ''}
                {v.problems.length ? ' (has problems)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="eval-dataset">Dataset</label>
          <select id="eval-dataset" data-testid="eval-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)}>
            {datasets.length === 0 && <option value="">no datasets yet: upload one</option>}
            {datasets.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name} ({d.caseCount} cases)
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="eval-repeat">Repeat</label>
          <input id="eval-repeat" type="number" min={1} max={100} value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </div>
        <div>
          <label htmlFor="eval-concurrency">Concurrency</label>
          <input id="eval-concurrency" type="number" min={1} max={256} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />
        </div>
      </div>
      {chosen && chosen.problems.length > 0 && <p className="error-text">v{chosen.number} has problems and cannot be evaluated until they are fixed.</p>}
      <DatasetUpload api={api} onUploaded={(n) => loadDatasets(n)} />
      <ScorerEditor types={types} targets={targets} scorers={scorers} onChange={setScorers} />
      {error && (
        <p className="error-text" data-testid="eval-form-error">
          {error}
        </p>
      )}
      <button className="primary" data-testid="run-eval" disabled={busy || !version || !dataset || scorers.length === 0} onClick={run}>
        {busy ? 'Starting…' : 'Run eval'}
      </button>
    </div>
  );
}
