import { describe, expect, inject, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { ApiProvider } from '../src/components/ApiContext';
import { IndexPicker } from '../src/components/IndexPicker';
import { SidePanel } from '../src/components/SidePanel';
import { CanvasContext } from '../src/components/CanvasContext';
import { createApi } from '../src/lib/api';
import { EditorStore } from '../src/lib/editor-store';
import { NodeProblemsStore } from '../src/lib/node-problems-store';
import { RunStore } from '../src/lib/run-store';
import { catalogFromCore, PROVIDERS } from './support/catalog';
import { echoPipeline } from './support/documents';
import type { Shown } from '../src/hooks/use-editor-content';
import { diffOverlay } from '../src/lib/diff-overlay';

// the project's real runner (test/support/global-runner.ts): pickers in the form load its lists
const api = createApi({ baseUrl: inject('runnerUrl') });
// The index list comes from the real runner (another process): on a loaded machine its answer can take longer
// than testing-library's default 1 s. The wait only guards against a hang; what the field says is asserted.
const RUNNER_ANSWERS = { timeout: 15_000 };

function renderPanel(store: EditorStore, runs = new RunStore((f) => f()), shown: Shown = { mode: 'edit', version: 1, latest: 1 }) {
  render(
    <ApiProvider api={api}>
      <CanvasContext.Provider value={{ runs, problems: new NodeProblemsStore() }}>
        <SidePanel store={store} shown={shown} catalog={catalogFromCore()} providers={PROVIDERS} problems={[]} />
      </CanvasContext.Provider>
    </ApiProvider>,
  );
  return runs;
}

describe('inspector', () => {
  it('shows the selected node’s config as a form from its JSON Schema', () => {
    const store = new EditorStore(echoPipeline());
    renderPanel(store);
    expect(screen.getByTestId('side-empty')).toBeTruthy();
    act(() => store.select(['answer']));
    const inspector = screen.getByTestId('inspector');
    expect(within(inspector).getByText('answer')).toBeTruthy();
    expect((screen.getByTestId('field-prompt') as HTMLTextAreaElement).value).toBe('Say: {{ question }}');
    expect(screen.getByTestId('field-prompt').tagName).toBe('TEXTAREA');
    expect(screen.getByTestId('variables-prompt').textContent).toContain('question');
  });

  it('with nothing selected says what selecting a node does where the canvas is shown, and offers the palette only while editing', () => {
    const empty = () => screen.getByTestId('side-empty').textContent;
    renderPanel(new EditorStore(echoPipeline()));
    expect(empty()).toBe('Select a node to edit it.Drag node types from the palette; connect an output to an input. Press ? for shortcuts.');
    cleanup();
    // a diff, an old version and a past run are read-only and have no palette
    const readOnly = () => new EditorStore(echoPipeline(), { readOnly: true });
    renderPanel(readOnly(), undefined, { mode: 'diff', from: 1, to: 3, overlay: diffOverlay(echoPipeline(), echoPipeline()), latest: 3 });
    expect(empty()).toBe('Select a node to see what changed in it from v1 to v3.This diff is read-only: Edit the latest version to change the pipeline. Press ? for shortcuts.');
    cleanup();
    renderPanel(readOnly(), undefined, { mode: 'version', version: 2, latest: 3 });
    expect(empty()).toBe('Select a node to see its settings in v2.v2 is read-only: Edit the latest version or Restore it as a new version. Press ? for shortcuts.');
    cleanup();
    renderPanel(readOnly(), undefined, { mode: 'run', run: { id: 'r' } as never, latest: 3 });
    expect(empty()).toBe('Select a node to see what the run did there.A past run is read-only: Edit the latest version to change the pipeline. Press ? for shortcuts.');
  });

  it('changes the node, and its ports, as the prompt is typed', () => {
    const store = new EditorStore(echoPipeline());
    renderPanel(store);
    act(() => store.select(['answer']));
    fireEvent.change(screen.getByTestId('field-prompt'), { target: { value: '{{ question }} in {{ language }}' } });
    expect(store.document().nodes[1].config.prompt).toBe('{{ question }} in {{ language }}');
    expect(store.getState().nodes[1].data.ports.inputs.map((p) => p.name)).toEqual(['question', 'language']);
    expect(screen.getByTestId('variables-prompt').textContent).toContain('language');
  });

  it('offers the providers’ models, offline ones marked as stand-ins, and any other by name', () => {
    const store = new EditorStore(echoPipeline());
    renderPanel(store);
    act(() => store.select(['answer']));
    const picker = screen.getByTestId('field-model') as HTMLSelectElement;
    expect(picker.value).toBe('offline:echo');
    const options = [...picker.querySelectorAll('option')].map((o) => o.textContent);
    expect(options).toContain('offline:extractive — stand-in');
    expect(options).toContain('fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct');
    expect(picker.querySelector('optgroup[label="fireworks (no API key set)"]')).toBeTruthy();
    expect(screen.getByText(/not a language model/)).toBeTruthy();

    fireEvent.change(picker, { target: { value: 'fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct' } });
    expect(store.document().nodes[1].config.model).toBe('fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct');
    expect(screen.getByText('fireworks has no API key set on the runner.')).toBeTruthy();

    fireEvent.change(picker, { target: { value: '__custom__' } });
    fireEvent.change(screen.getByTestId('field-model-custom'), { target: { value: 'ollama:llama3.2' } });
    expect(store.document().nodes[1].config.model).toBe('ollama:llama3.2');
  });

  it('draws enums as selects and keeps a half-typed number out of the config', async () => {
    const doc = echoPipeline();
    doc.nodes.push({ id: 'search', type: 'retrieve', position: { x: 0, y: 0 }, config: { index: 'docs', topK: 4, mode: 'keyword' } });
    const store = new EditorStore(doc);
    renderPanel(store);
    act(() => store.select(['search']));
    const mode = screen.getByTestId('field-mode') as HTMLSelectElement;
    expect([...mode.options].map((o) => o.value)).toEqual(['', 'keyword', 'vector', 'hybrid']);
    fireEvent.change(mode, { target: { value: 'hybrid' } });
    expect(store.document().nodes[3].config.mode).toBe('hybrid');

    fireEvent.change(screen.getByTestId('field-topK'), { target: { value: '4.5' } });
    expect(screen.getByText('Top K must be a whole number')).toBeTruthy();
    expect(store.document().nodes[3].config.topK).toBe(4);
    fireEvent.change(screen.getByTestId('field-topK'), { target: { value: '8' } });
    expect(store.document().nodes[3].config.topK).toBe(8);
    // the index field lists the runner's indexes: it has none yet, and says how to make one
    expect((await screen.findByTestId('field-index-none', {}, RUNNER_ANSWERS)).textContent).toMatch(/no index yet: patchbay index/);
  });

  it('says an index list that could not be loaded could not be loaded, not that the runner has no index', async () => {
    // a runner that answers the list with an error (here: a path under which there is no API)
    const gone = createApi({ baseUrl: `${inject('runnerUrl')}/elsewhere` });
    render(
      <ApiProvider api={gone}>
        <IndexPicker id="index" value="docs" onChange={() => {}} />
      </ApiProvider>,
    );
    expect((await screen.findByTestId('field-index-error', {}, RUNNER_ANSWERS)).textContent).toMatch(/^Could not load the runner’s indexes: /);
    expect(screen.queryByTestId('field-index-none')).toBeNull();
    // the name typed before stays, and another can still be typed
    expect((screen.getByTestId('field-index-custom') as HTMLInputElement).value).toBe('docs');
  });

  it('follows undo: the form shows the value the node has again', () => {
    const store = new EditorStore(echoPipeline());
    renderPanel(store);
    act(() => store.select(['answer']));
    fireEvent.change(screen.getByTestId('field-prompt'), { target: { value: 'Changed {{ question }}' } });
    act(() => {
      store.undo();
      store.select(['answer']);
    });
    expect((screen.getByTestId('field-prompt') as HTMLTextAreaElement).value).toBe('Say: {{ question }}');
  });

  it('shows what the last run did at the selected node', () => {
    const store = new EditorStore(echoPipeline());
    const runs = renderPanel(store);
    act(() => {
      store.select(['answer']);
      runs.apply({ type: 'run.started', runId: 'r', at: 0, inputs: { question: 'hi' } });
      runs.apply({
        type: 'node.completed', runId: 'r', nodeId: 'answer', at: 1, durationMs: 12,
        trace: { id: 'answer', type: 'llm', status: 'succeeded', attempts: 1, durationMs: 12, inputs: { question: 'hi' }, outputs: { text: 'Say: hi' }, model: 'offline:echo', usage: { promptTokens: 2, completionTokens: 2, totalTokens: 4 }, costUsd: 0 },
      });
    });
    const details = screen.getByTestId('node-run-details');
    expect(within(details).getByTestId('node-run-duration').textContent).toBe('12 ms');
    expect(within(details).getByTestId('node-run-tokens').textContent).toBe('2 in, 2 out (4)');
    expect(within(details).getByTestId('node-run-cost').textContent).toBe('$0.000000');
    expect(within(details).getByTestId('node-run-outputs').textContent).toContain('Say: hi');
  });
});
