import { beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { nodeTypes, type PipelineDocument, type PipelineNode } from '@patchbay/core';
import { Canvas } from '../src/components/Canvas';
import { CanvasContext } from '../src/components/CanvasContext';
import { EditorStore } from '../src/lib/editor-store';
import { NodeProblemsStore } from '../src/lib/node-problems-store';
import { RunStore } from '../src/lib/run-store';

// one node of every type in the catalogue, with a config that says something
const CONFIGS: Record<string, Record<string, unknown>> = {
  input: { name: 'question', valueType: 'string' },
  output: { name: 'answer' },
  template: { template: 'Context:\n{{ docs }}' },
  llm: { model: 'fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct', prompt: 'Question: {{ question }}' },
  agent: { model: 'offline:scripted', prompt: 'Help with {{ request }}', tools: ['orders'], maxSteps: 3 },
  retrieve: { index: 'docs', topK: 3, mode: 'hybrid' },
  tool: { tool: 'orders' },
  router: { routes: [{ port: 'orders', when: '$contains($, "order")' }] },
  merge: { inputs: ['a', 'b'] },
  transform: { expression: '$.items' },
  code: { code: 'return value * 3' },
  pipeline: { ref: 'support-assistant@production' },
  map: { ref: 'support-assistant@v3', onError: 'collect' },
};

function everyType(): PipelineDocument {
  const nodes: PipelineNode[] = Object.keys(nodeTypes).map((type, i) => ({ id: `n-${type}`, type, position: { x: (i % 4) * 260, y: Math.floor(i / 4) * 200 }, config: CONFIGS[type] ?? {} }));
  return { format: 'patchbay.pipeline/v1', name: 'cards', nodes, edges: [] };
}

function renderCanvas(store: EditorStore) {
  const runs = new RunStore((f) => f());
  render(
    <div style={{ width: 1200, height: 800 }}>
      <ReactFlowProvider>
        <CanvasContext.Provider value={{ runs, problems: new NodeProblemsStore() }}>
          <Canvas store={store} onDropType={vi.fn()} onRefused={vi.fn()} />
        </CanvasContext.Provider>
      </ReactFlowProvider>
    </div>,
  );
  return runs;
}

const summaryText = (id: string) =>
  [...screen.getByTestId(`node-summary-${id}`).querySelectorAll('.summary-line')].map((line) => `${line.querySelector('dt')!.textContent}: ${line.querySelector('dd')!.textContent}`);

describe('node cards', () => {
  beforeEach(() => localStorage.clear());

  it('every node type shows, under its title, the summary its definition gives', () => {
    // a node type added to the catalogue gets a config here too
    expect(Object.keys(CONFIGS).sort()).toEqual(Object.keys(nodeTypes).sort());
    renderCanvas(new EditorStore(everyType()));
    for (const [type, def] of Object.entries(nodeTypes)) {
      const lines = def.summary!(CONFIGS[type] ?? {});
      expect(lines.length, type).toBeGreaterThan(0);
      expect(summaryText(`n-${type}`)).toEqual(lines.map((l) => `${l.label}: ${l.text}`));
    }
    // what a reader sees, spelled out for a few
    expect(summaryText('n-llm')).toEqual(['model: llama-v3p1-8b-instruct', 'prompt: Question: {{ question }}']);
    expect(summaryText('n-retrieve')).toEqual(['index: docs · hybrid · top 3']);
    expect(summaryText('n-router')).toEqual(['orders: $contains($, "order")']);
    expect(screen.getByTestId('node-summary-n-llm').querySelectorAll('dd.mono')).toHaveLength(1);
  });

  it('follows an edit of the config', () => {
    const store = new EditorStore(everyType());
    renderCanvas(store);
    act(() => store.updateNode('n-llm', { config: { model: 'openai:gpt-4o-mini', prompt: 'Summarise {{ text }}' } }, 'config.prompt'));
    expect(summaryText('n-llm')).toEqual(['model: gpt-4o-mini', 'prompt: Summarise {{ text }}']);
  });

  it('shows a run chip with status, duration, tokens and cost after a run', () => {
    const runs = renderCanvas(new EditorStore(everyType()));
    expect(screen.queryByTestId('node-chip-n-llm')).toBeNull();
    act(() => {
      runs.apply({ type: 'run.started', runId: 'r', at: 0, inputs: {} });
      runs.apply({ type: 'node.started', runId: 'r', nodeId: 'n-llm', at: 0, attempt: 1 });
    });
    expect(screen.getByTestId('node-chip-n-llm').textContent).toContain('running');
    act(() =>
      runs.apply({
        type: 'node.completed',
        runId: 'r',
        nodeId: 'n-llm',
        at: 1,
        durationMs: 1234.4,
        trace: { id: 'n-llm', type: 'llm', status: 'succeeded', attempts: 1, durationMs: 1234.4, usage: { promptTokens: 1000, completionTokens: 250, totalTokens: 1250 }, costUsd: 0.000375 },
      }),
    );
    expect(screen.getByTestId('node-chip-n-llm').textContent).toBe('✓ succeeded · 1234 ms · 1.3k tok · $0.00038');
    act(() => runs.apply({ type: 'node.skipped', runId: 'r', nodeId: 'n-code', at: 1 }));
    expect(screen.getByTestId('node-chip-n-code').textContent).toBe('– skipped');
  });

  it('the compact/detailed toggle hides and shows summaries and chips on every card, and is remembered', () => {
    const runs = renderCanvas(new EditorStore(everyType()));
    act(() => runs.apply({ type: 'node.skipped', runId: 'r', nodeId: 'n-code', at: 1 }));
    const toggle = screen.getByTestId('card-detail-toggle');
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    expect(document.querySelectorAll('.pb-node .summary')).toHaveLength(Object.keys(nodeTypes).length);

    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    expect(document.querySelectorAll('.pb-node .summary')).toHaveLength(0);
    expect(screen.queryByTestId('node-chip-n-code')).toBeNull();
    expect(screen.getByTestId('node-n-llm').getAttribute('data-detail')).toBe('compact');
    // the ports stay: a compact card can still be wired
    expect(screen.getByTestId('handle-n-llm-in-question')).toBeTruthy();
    expect(localStorage.getItem('patchbay.cardDetail')).toBe('compact');

    fireEvent.click(toggle);
    expect(document.querySelectorAll('.pb-node .summary')).toHaveLength(Object.keys(nodeTypes).length);
    expect(screen.getByTestId('node-chip-n-code')).toBeTruthy();
  });

  it('opens compact when that was the last choice', () => {
    localStorage.setItem('patchbay.cardDetail', 'compact');
    renderCanvas(new EditorStore(everyType()));
    expect(screen.getByTestId('card-detail-toggle').getAttribute('aria-pressed')).toBe('true');
    expect(screen.queryByTestId('node-summary-n-llm')).toBeNull();
  });
});
