import { describe, expect, it, vi } from 'vitest';
import { act, render, screen } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { PORT_TYPE_COLORS } from '@patchbay/core';
import { Canvas } from '../src/components/Canvas';
import { CanvasContext } from '../src/components/CanvasContext';
import { EditorStore } from '../src/lib/editor-store';
import { NodeProblemsStore } from '../src/lib/node-problems-store';
import { RunStore } from '../src/lib/run-store';
import { echoPipeline } from './support/documents';

function renderCanvas(store: EditorStore) {
  const runs = new RunStore((f) => f());
  const problems = new NodeProblemsStore();
  render(
    <div style={{ width: 1000, height: 600 }}>
      <ReactFlowProvider>
        <CanvasContext.Provider value={{ runs, problems }}>
          <Canvas store={store} onDropType={vi.fn()} onRefused={vi.fn()} />
        </CanvasContext.Provider>
      </ReactFlowProvider>
    </div>,
  );
  return { runs, problems };
}

describe('canvas nodes', () => {
  it('draws each port as a handle in its type’s colour', () => {
    renderCanvas(new EditorStore(echoPipeline()));
    const text = screen.getByTestId('handle-answer-out-text');
    expect(text.style.background).toBe(PORT_TYPE_COLORS.string);
    expect(text.getAttribute('data-port-type')).toBe('string');
    expect(screen.getByTestId('handle-answer-out-usage').style.background).toBe(PORT_TYPE_COLORS.json);
    expect(screen.getByTestId('handle-answer-in-question').getAttribute('data-port-type')).toBe('any');
    expect(screen.getByTestId('handle-question-out-value').classList.contains('source')).toBe(true);
  });

  it('adds a handle when the prompt gains a variable', () => {
    const store = new EditorStore(echoPipeline());
    renderCanvas(store);
    expect(screen.queryByTestId('handle-answer-in-tone')).toBeNull();
    act(() => store.updateNode('answer', { config: { model: 'offline:echo', prompt: '{{ question }} {{ tone }}' } }, 'config.prompt'));
    expect(screen.getByTestId('handle-answer-in-tone')).toBeTruthy();
  });

  it('shows run state as the border and streams llm text into the node', () => {
    const { runs } = renderCanvas(new EditorStore(echoPipeline()));
    act(() => {
      runs.apply({ type: 'run.started', runId: 'r', at: 0, inputs: {} });
      runs.apply({ type: 'node.started', runId: 'r', nodeId: 'answer', at: 0, attempt: 1 });
      runs.apply({ type: 'node.token', runId: 'r', nodeId: 'answer', text: 'Say: ' });
      runs.apply({ type: 'node.token', runId: 'r', nodeId: 'answer', text: 'hi' });
      runs.apply({ type: 'node.skipped', runId: 'r', nodeId: 'result', at: 0 });
    });
    expect(screen.getByTestId('node-answer').getAttribute('data-status')).toBe('running');
    expect(screen.getByTestId('node-text-answer').textContent).toBe('Say: hi');
    expect(screen.getByTestId('node-result').getAttribute('data-status')).toBe('skipped');
    act(() => runs.apply({ type: 'node.failed', runId: 'r', nodeId: 'answer', at: 1, error: 'model went away', trace: { id: 'answer', type: 'llm', status: 'failed', attempts: 1 } }));
    expect(screen.getByTestId('node-answer').getAttribute('data-status')).toBe('failed');
    expect(screen.getByTestId('node-error-answer').textContent).toBe('model went away');
  });

  it('puts a badge with the number of problems on a node', () => {
    const { problems } = renderCanvas(new EditorStore(echoPipeline()));
    expect(screen.queryByTestId('node-problems-answer')).toBeNull();
    act(() => problems.set(new Map([['answer', [{ path: '$.nodes[1]', code: 'invalid-config', message: 'bad' }]]])));
    expect(screen.getByTestId('node-problems-answer').textContent).toBe('1');
  });
});
