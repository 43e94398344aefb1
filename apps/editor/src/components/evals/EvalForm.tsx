import { useEffect, useMemo, useState } from 'react';
import { nodePorts, type PipelineDocument } from '@patchbay/core';
import type { Api, VersionSummary } from '../../lib/api';
import type { DatasetSummary, EvalListItem, EvalsApi, ScorerSpec, ScorerType, StoredSuite, SuiteBody } from '../../lib/evals-api';
import { DatasetUpload } from './DatasetUpload';
import { ScorerEditor } from './ScorerEditor';
import { passRateText } from './format';
import { defaultEvalBaseline, type Labels } from './pick-baseline';
import { draftToSpec, emptyDraft, expectedKeysOf, likelyExpectedKey, specToDraft, type ScorerDraft } from './scorer-draft';
import { count } from '../../lib/count';

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

const NO_BASELINE = '-';

/** Choose a version, a dataset (or upload one), scorers (or a saved suite) and a baseline; Run starts the eval. */
export function EvalForm({ api, pipelineApi, name, history, onStarted }: Props) {
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [version, setVersion] = useState<number>();
  const [doc, setDoc] = useState<PipelineDocument>();
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  // undefined until the user picks one (or uploads one): then the default below
  const [datasetPick, setDatasetPick] = useState<string>();
  const [expectedKeys, setExpectedKeys] = useState<string[]>([]);
  const [types, setTypes] = useState<ScorerType[]>([]);
  const [scorers, setScorers] = useState<ScorerDraft[]>([emptyDraft('contains')]);
  const [repeat, setRepeat] = useState('1');
  const [concurrency, setConcurrency] = useState('8');
  const [rest, setRest] = useState<Pick<SuiteBody, 'seed' | 'gate'>>({});
  const [suites, setSuites] = useState<StoredSuite[]>([]);
  const [suiteName, setSuiteName] = useState('');
  const [labels, setLabels] = useState<Labels>({});
  // undefined: the default baseline; NO_BASELINE: none; else an eval id the user picked
  const [baselinePick, setBaselinePick] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const fail = (err: Error) => setError(err.message);
  // a refusal is about the version and dataset it was given: choosing another drops it
  const choose = <T,>(set: (value: T) => void) => (value: T) => {
    setError(undefined);
    set(value);
  };

  useEffect(() => {
    pipelineApi.listVersions(name).then((list) => {
      setVersions(list);
      setVersion((v) => v ?? list[0]?.number);
    }, fail);
    api.scorerTypes().then(setTypes, fail);
    api.labels(name).then(setLabels, () => setLabels({}));
    api.suites().then((list) => {
      setSuites(list);
      // A suite saved under the pipeline's name (the demo's) is the likely one: start from it.
      const own = list.find((s) => s.name === name);
      if (own) loadSuite(own);
    }, fail);
  }, [api, pipelineApi, name]);

  const loadDatasets = (select?: string) =>
    api.datasets().then((list) => {
      setDatasets(list);
      if (select !== undefined) setDatasetPick(select);
    }, fail);
  // The dataset of the latest eval is the likely one, else the first; read on each render, as the
  // history may come back after the list of datasets.
  const latestEvaluated = history?.[0]?.dataset.name;
  const dataset = datasetPick ?? (datasets.some((d) => d.name === latestEvaluated) ? latestEvaluated! : (datasets[0]?.name ?? ''));
  useEffect(() => {
    loadDatasets();
  }, [api]);

  useEffect(() => {
    if (version === undefined) return;
    pipelineApi.getVersion(name, version).then((v) => setDoc(v.document), () => setDoc(undefined));
  }, [pipelineApi, name, version]);

  // The dataset's shape: the keys of its expected objects pre-fill each scorer's expected key.
  useEffect(() => {
    if (!dataset) return setExpectedKeys([]);
    let stale = false;
    api.dataset(dataset).then((d) => !stale && setExpectedKeys(expectedKeysOf(d.cases)), () => !stale && setExpectedKeys([]));
    return () => {
      stale = true;
    };
  }, [api, dataset]);

  const targets = useMemo(() => targetsOf(doc), [doc]);
  const outputs = useMemo(() => (doc?.nodes ?? []).filter((n) => n.type === 'output').map((n) => String((n.config as { name?: unknown }).name)), [doc]);
  const onlyOutput = outputs.length === 1 ? outputs[0] : undefined;
  useEffect(() => {
    if (!expectedKeys.length || !types.length) return;
    setScorers((list) =>
      list.map((s) => {
        const needs = types.find((t) => t.type === s.type)?.needsExpected !== false;
        return s.expectedKey || !needs ? s : { ...s, expectedKey: likelyExpectedKey(s, expectedKeys, onlyOutput) };
      }),
    );
  }, [expectedKeys, types, onlyOutput, scorers.length]);

  const chosen = versions.find((v) => v.number === version);
  const candidates = (history ?? []).filter((e) => e.status === 'succeeded' && e.dataset.name === dataset);
  const defaultBaseline = defaultEvalBaseline(history ?? [], labels, version, dataset);
  const baseline = baselinePick === undefined ? defaultBaseline : baselinePick === NO_BASELINE ? undefined : baselinePick;

  function loadSuite(stored: StoredSuite) {
    const s = stored.suite;
    setSuiteName(stored.name);
    setScorers(s.scorers.map(specToDraft));
    setRepeat(String(s.repeat ?? 1));
    setConcurrency(String(s.concurrency ?? 8));
    setRest({ seed: s.seed, gate: s.gate });
  }

  /** The suite as typed; throws with a sentence when a field cannot be read. */
  function suiteBody(): SuiteBody {
    const specs: ScorerSpec[] = scorers.map((s, i) => draftToSpec(s, types.find((t) => t.type === s.type), i));
    return {
      ...(suiteName.trim() ? { name: suiteName.trim() } : {}),
      scorers: specs,
      repeat: Number(repeat) || 1,
      concurrency: Number(concurrency) || 8,
      ...(rest.seed !== undefined ? { seed: rest.seed } : {}),
      ...(rest.gate ? { gate: rest.gate } : {}),
    };
  }

  async function saveSuite() {
    setError(undefined);
    setNotice(undefined);
    const saveAs = suiteName.trim();
    if (!saveAs) return setError('Name the suite to save it.');
    try {
      const saved = await api.saveSuite(saveAs, suiteBody());
      setSuites((list) => [...list.filter((s) => s.name !== saved.name), saved].sort((a, b) => a.name.localeCompare(b.name)));
      setNotice(`Saved the suite "${saved.name}".`);
    } catch (err) {
      fail(err as Error);
    }
  }

  async function run() {
    setError(undefined);
    setNotice(undefined);
    let suite: SuiteBody;
    try {
      suite = suiteBody();
    } catch (err) {
      return fail(err as Error);
    }
    setBusy(true);
    try {
      const { id } = await api.startEval({ pipeline: name, version: version!, dataset, suite, ...(baseline ? { baseline } : {}) });
      onStarted(id);
    } catch (err) {
      fail(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div data-testid="eval-form">
      <div className="form-grid">
        <div>
          <label htmlFor="eval-version">Version</label>
          <select id="eval-version" data-testid="eval-version" value={version ?? ''} onChange={(e) => choose(setVersion)(Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number} {v.message ? `— ${v.message}` : ''}
                {Object.keys(labels).filter((l) => labels[l].version === v.number).map((l) => ` [${l}]`).join('')}
                {v.problems.length ? ' (has problems)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="eval-dataset">Dataset</label>
          <select id="eval-dataset" data-testid="eval-dataset" value={dataset} onChange={(e) => choose(setDatasetPick)(e.target.value)}>
            {datasets.length === 0 && <option value="">no datasets yet: upload one</option>}
            {datasets.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name} ({count(d.caseCount, 'case')})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="eval-baseline">Baseline</label>
          <select
            id="eval-baseline"
            data-testid="eval-baseline"
            value={baselinePick === undefined ? defaultBaseline ?? NO_BASELINE : baselinePick}
            onChange={(e) => setBaselinePick(e.target.value)}
          >
            <option value={NO_BASELINE}>none</option>
            {candidates.map((e) => (
              <option key={e.id} value={e.id}>
                v{e.version ?? '?'} · {new Date(e.createdAt).toLocaleString()} · {passRateText(e.summary)}
                {e.id === defaultBaseline ? ' (default)' : ''}
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
      <DatasetUpload
        api={api}
        onUploaded={(n) => {
          setError(undefined);
          void loadDatasets(n);
        }}
      />
      <div className="form-grid" data-testid="suite-row">
        <div>
          <label htmlFor="eval-suite-load">Saved suite</label>
          <select
            id="eval-suite-load"
            data-testid="eval-suite-load"
            value={suites.some((s) => s.name === suiteName) ? suiteName : ''}
            onChange={(e) => {
              const found = suites.find((s) => s.name === e.target.value);
              if (found) loadSuite(found);
            }}
          >
            <option value="">{suites.length ? 'load a suite…' : 'no saved suites'}</option>
            {suites.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} ({count(s.suite.scorers.length, 'scorer')})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="eval-suite-name">Suite name</label>
          <input id="eval-suite-name" data-testid="eval-suite-name" value={suiteName} placeholder="name it to save it" onChange={(e) => setSuiteName(e.target.value)} />
        </div>
        <div>
          <label>&nbsp;</label>
          <button data-testid="save-suite" onClick={saveSuite}>
            Save suite
          </button>
        </div>
      </div>
      <ScorerEditor types={types} targets={targets} expectedKeys={expectedKeys} scorers={scorers} onChange={setScorers} />
      {notice && <p className="muted" data-testid="eval-form-notice">{notice}</p>}
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
