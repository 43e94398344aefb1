import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor as waitForDom } from '@testing-library/react';
import { ApiProvider } from '../src/components/ApiContext';
import { PipelineList } from '../src/components/PipelineList';
import { ToastProvider } from '../src/components/Toasts';
import { createApi } from '../src/lib/api';
import { echoPipeline } from './support/documents';

// generous: the first dynamic import of a lazy module is compiled on demand under a loaded machine
const waitFor = (check: () => void) => waitForDom(check, { timeout: 15_000 });

// The list page against a real runner (started for the project by support/global-runner.ts).
const api = createApi({ baseUrl: inject('runnerUrl') });

beforeAll(async () => {
  expect(window.location.origin).toBe('http://localhost:3000'); // the origin the runner allows
  await api.createPipeline(echoPipeline('listed'));
  await api.saveVersion('listed', { document: echoPipeline('listed', 'v2: {{ question }}'), message: 'second', baseVersion: 1 });
});

function renderList(navigate = vi.fn()) {
  render(
    <ApiProvider api={api}>
      <ToastProvider>
        <PipelineList navigate={navigate} />
      </ToastProvider>
    </ApiProvider>,
  );
  return navigate;
}

describe('pipelines list', () => {
  it('lists every pipeline with its latest version and opens one on a click', async () => {
    const navigate = renderList();
    await waitFor(() => expect(screen.getByTestId('latest-listed').textContent).toBe('v2'));
    fireEvent.click(screen.getByTestId('open-listed'));
    expect(navigate).toHaveBeenCalledWith({ page: 'pipeline', name: 'listed' });
  });

  it('shows where each label points and opens the deploy and monitoring pages from a row', async () => {
    await api.createPipeline(echoPipeline('labelled'));
    await api.saveVersion('labelled', { document: echoPipeline('labelled', 'v2: {{ question }}'), message: 'second', baseVersion: 1 });
    const put = (label: string, version: number) =>
      fetch(`${inject('runnerUrl')}/api/pipelines/labelled/labels/${label}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version }) });
    expect((await put('staging', 2)).status).toBe(200);
    expect((await put('production', 1)).status).toBe(200);
    const navigate = renderList();
    await waitFor(() => expect(screen.getByTestId('labels-labelled').textContent).toBe('production v1staging v2'));
    expect(screen.getByTestId('deploy-listed').textContent).toBe('not deployed');
    fireEvent.click(screen.getByRole('link', { name: 'production v1 staging v2' }));
    expect(navigate).toHaveBeenLastCalledWith({ page: 'deploy', name: 'labelled' });
    fireEvent.click(screen.getByTestId('deploy-listed'));
    expect(navigate).toHaveBeenLastCalledWith({ page: 'deploy', name: 'listed' });
    fireEvent.click(screen.getByTestId('monitoring-labelled'));
    expect(navigate).toHaveBeenLastCalledWith({ page: 'monitoring', name: 'labelled' });
  });

  it('opens a draft on Create and stores nothing until it is saved', async () => {
    const navigate = renderList();
    fireEvent.change(screen.getByTestId('new-pipeline-name'), { target: { value: 'Not A Slug' } });
    expect((screen.getByTestId('create-pipeline') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/lower-case letters, digits and dashes/)).toBeTruthy();
    // The runner refuses a new name starting with "-" (`patchbay run -x` would read it as an option): said before Create, not after.
    fireEvent.change(screen.getByTestId('new-pipeline-name'), { target: { value: '-x' } });
    expect((screen.getByTestId('create-pipeline') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/starts with a letter or digit/)).toBeTruthy();
    fireEvent.change(screen.getByTestId('new-pipeline-name'), { target: { value: 'fresh' } });
    fireEvent.click(screen.getByTestId('create-pipeline'));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ page: 'pipeline', name: 'fresh', draft: true }));
    await expect(api.latestVersion('fresh')).rejects.toMatchObject({ status: 404 });
  });

  it('says so when the name is taken', async () => {
    renderList();
    fireEvent.change(screen.getByTestId('new-pipeline-name'), { target: { value: 'listed' } });
    fireEvent.click(screen.getByTestId('create-pipeline'));
    await waitFor(() => expect(screen.getByTestId('toast-error').textContent).toBe('a pipeline named "listed" already exists'));
  });

  it('imports a file whose name exists as that pipeline’s next version', async () => {
    const navigate = renderList();
    const file = new File([JSON.stringify(echoPipeline('listed', 'imported: {{ question }}'))], 'listed.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('import-file'), { target: { files: [file] } });
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ page: 'pipeline', name: 'listed' }));
    const latest = await api.latestVersion('listed');
    expect(latest.number).toBe(3);
    expect(latest.message).toBe('Imported from listed.json');
    expect(latest.document.nodes[1].config.prompt).toBe('imported: {{ question }}');
  });

  it('imports the same file again without a new version, and says so', async () => {
    const navigate = renderList();
    const before = await api.latestVersion('listed');
    const file = new File([JSON.stringify(before.document)], 'again.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('import-file'), { target: { files: [file] } });
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ page: 'pipeline', name: 'listed' }));
    expect(screen.getByTestId('toast').textContent).toBe(`again.json is the same as version ${before.number} of listed: no new version was made`);
    expect((await api.latestVersion('listed')).number).toBe(before.number);
  });

  it('names the file when the runner refuses it, as it does when the file is not a pipeline', async () => {
    const navigate = renderList();
    // nested past the runner's depth limit (256), which only the runner checks
    const doc = echoPipeline('too-deep');
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 300; i++) deep = (deep.a = {}) as Record<string, unknown>;
    (doc.nodes[1].config as Record<string, unknown>).extra = root;
    const file = new File([JSON.stringify(doc)], 'too-deep.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('import-file'), { target: { files: [file] } });
    await waitFor(() => expect(screen.getByTestId('toast-error').textContent).toMatch(/^too-deep\.json: the request body nests deeper than the limit of 256 levels/));
    expect(navigate).not.toHaveBeenCalled();
  });
});
