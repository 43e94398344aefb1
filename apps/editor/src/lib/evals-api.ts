// Type-only: the evals package is Node code, and `import type` is erased, so none of it reaches the bundle.
import type { EvalEvent } from '@patchbay/evals';
import { answer, events, type ApiClient } from './api-client';
import { allPages, listPage } from './pages';
import type { StartEvalRequest, SuiteBody } from './api-types';
import { CUT_CHARACTERS } from './cut-values';

/** Where a dataset's values are cut when only its cases' shape is read: short values come whole, a long one as its first 100 characters. */
const SHAPE_CHARACTERS = 100;

const isLastEvalEvent = (event: EvalEvent) => event.type === 'eval.completed' || event.type === 'eval.failed';

export type { CaseRecord, EvalEvent, EvalSummary, ScoreResult, ScorerSummary } from '@patchbay/evals';

/** The runner's eval routes (datasets, evals, compare, scorer types), as the Evals and Compare views use them. */
export function evalCalls(client: ApiClient) {
  const id = (id: string) => ({ params: { path: { id } } });
  return {
    scorerTypes: () => answer(client.GET('/api/scorer-types')),
    /** Every dataset (all pages), for the pickers. */
    datasets: () => allPages((cursor) => listPage(client.GET('/api/datasets', { params: { query: { cursor } } }))),
    uploadDataset: (name: string, content: string, format: 'jsonl' | 'csv' | 'json') => answer(client.POST('/api/datasets', { body: { name, content, format } })),
    /** A page of the pipeline's evals, newest first (the history's "Load more"). */
    evalsPage: (pipeline: string, cursor?: string) => listPage(client.GET('/api/evals', { params: { query: { pipeline, cursor } } })),
    /** An eval's result; each case's values longer than CUT_CHARACTERS are placeholders (cut-values.ts), whole in the case's run. */
    getEval: (evalId: string) => answer(client.GET('/api/evals/{id}', { params: { path: { id: evalId }, query: { cut: CUT_CHARACTERS } } })),
    startEval: (body: StartEvalRequest) => answer(client.POST('/api/evals', { body })),
    cancelEval: (evalId: string) => answer(client.POST('/api/evals/{id}/cancel', id(evalId))),
    /** Runs the rest of an interrupted or cancelled eval; its finished cases are kept. */
    resumeEval: (evalId: string) => answer(client.POST('/api/evals/{id}/resume', id(evalId))),
    compare: (a: string, b: string) => answer(client.GET('/api/compare', { params: { query: { a, b } } })),
    /**
     * The latest version of a dataset with its cases, each input and expected field longer than SHAPE_CHARACTERS cut
     * (cut-values.ts): the New eval form reads only the keys of the expected objects, which the cut keeps.
     */
    dataset: (name: string) => answer(client.GET('/api/datasets/{name}', { params: { path: { name }, query: { cut: SHAPE_CHARACTERS } } })),
    suites: () => answer(client.GET('/api/suites')),
    saveSuite: (name: string, body: SuiteBody) => answer(client.PUT('/api/suites/{name}', { params: { path: { name } }, body })),
    /** The pipeline's labels (`production`, …) and the versions they point at. */
    labels: (name: string) => answer(client.GET('/api/pipelines/{name}/labels', { params: { path: { name } } })).then((r) => r.labels),

    /** Follows an eval's progress (past events first) until it ends or `signal` aborts. */
    async followEval(evalId: string, onEvent: (event: EvalEvent) => void, signal?: AbortSignal): Promise<void> {
      const stream = client.GET('/api/evals/{id}/events', { ...id(evalId), headers: { accept: 'text/event-stream' }, parseAs: 'stream', signal });
      for await (const event of events<EvalEvent>(stream, isLastEvalEvent)) onEvent(event);
    },
  };
}

export type EvalsApi = ReturnType<typeof evalCalls>;
export type * from './api-types';
