import { beforeAll, describe, expect, inject, it } from 'vitest';
import { fireEvent, render, screen, waitFor as waitForDom } from '@testing-library/react';
import { AddToDatasetDialog } from '../src/runs/AddToDatasetDialog';
import { answer, createApi } from '../src/lib/api';
import { monitoringCalls } from '../src/monitoring/monitoring-api';
import { echoPipeline } from './support/documents';

const waitFor = (check: () => void) => waitForDom(check, { timeout: 15_000 });

// "Add to dataset" against a real runner (support/global-runner.ts). A dataset holding another pipeline's runs was
// refused with the runner's words, 'add these runs to another dataset, or send "allowMixedPipelines": true': a
// field of the API no one can send from the editor.
const api = createApi({ baseUrl: inject('runnerUrl') });
const calls = monitoringCalls(api.client);

async function finishedRun(pipeline: string, question: string): Promise<string> {
  const { id } = (await answer(api.client.POST('/api/runs', { body: { pipeline, inputs: { question } } }))) as { id: string };
  await waitForDom(async () => expect((await api.getRun(id)).status).toBe('succeeded'), { timeout: 15_000 });
  return id;
}

let alphaRun: string;

beforeAll(async () => {
  await api.createPipeline(echoPipeline('mix-alpha'));
  await api.createPipeline(echoPipeline('mix-beta'));
  alphaRun = await finishedRun('mix-alpha', 'hello');
  await calls.addCases('beta-cases', { fromRuns: [await finishedRun('mix-beta', 'hi')] });
});

describe('adding runs to a dataset of another pipeline', () => {
  it('says so in the editor\'s words and offers to add them anyway, which adds them', async () => {
    render(<AddToDatasetDialog api={calls} runIds={[alphaRun]} onClose={() => {}} />);
    fireEvent.change(screen.getByTestId('dataset-name'), { target: { value: 'beta-cases' } });
    fireEvent.click(screen.getByTestId('add-submit'));
    await waitFor(() =>
      expect(screen.getByTestId('add-error').textContent).toBe(
        'beta-cases holds cases made from runs of mix-beta, and this run is of mix-alpha: an eval runs one pipeline on a dataset, so its cases are best the inputs of one. Pick another dataset, or add it anyway.',
      ),
    );
    expect(screen.getByTestId('add-error').textContent).not.toMatch(/allowMixedPipelines/);
    fireEvent.click(screen.getByTestId('allow-mixed'));
    fireEvent.click(screen.getByTestId('add-submit'));
    await waitFor(() => expect(screen.getByTestId('add-result').textContent).toMatch(/^Added 1 case to beta-cases: version \w{8} has 2 cases\.$/));
    const dataset = await answer(api.client.GET('/api/datasets/{name}', { params: { path: { name: 'beta-cases' } } }));
    expect(dataset.cases.map((c: { id: string }) => c.id)).toContain(`run-${alphaRun}`);
  });
});
