import { describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { validatePipeline } from '@patchbay/core';
import { HelpDialog } from '../src/components/HelpDialog';
import { ProblemsPanel } from '../src/components/ProblemsPanel';
import { RunPanel } from '../src/components/RunPanel';
import { SaveDialog } from '../src/components/SaveDialog';
import { RunStore } from '../src/lib/run-store';
import { echoPipeline } from './support/documents';

describe('problems panel', () => {
  it('lists core’s validation problems and jumps to the node of one', () => {
    const doc = echoPipeline('broken', 'Say: {{ question }} {{ tone }}');
    const { problems } = validatePipeline(doc);
    expect(problems.length).toBeGreaterThan(0);
    const onJump = vi.fn();
    render(<ProblemsPanel problems={problems} doc={doc} onJump={onJump} />);
    const entry = screen.getAllByTestId('problem').find((b) => b.textContent?.includes('tone'))!;
    expect(entry.textContent).toMatch(/^answer: /);
    fireEvent.click(entry);
    expect(onJump).toHaveBeenCalledWith('answer');
  });

  it('says when there is nothing to fix', () => {
    render(<ProblemsPanel problems={[]} doc={echoPipeline()} onJump={() => {}} />);
    expect(screen.getByTestId('no-problems').textContent).toContain('can run');
  });

  it('asks for an input and an output on an empty pipeline instead of saying it can run', () => {
    const empty = { ...echoPipeline(), nodes: [], edges: [] };
    // validation's own problem for it (the runner refuses to run it) is said by the same line
    render(<ProblemsPanel problems={validatePipeline(empty).problems} doc={empty} onJump={() => {}} />);
    expect(screen.getByTestId('empty-pipeline').textContent).toBe('Add an input and an output to begin');
    expect(screen.queryByTestId('no-problems')).toBeNull();
  });
});

describe('save dialog', () => {
  it('needs a message before it saves', () => {
    const onSave = vi.fn();
    render(<SaveDialog name="qa" base={3} busy={false} onSave={onSave} onLoadLatest={() => {}} onClose={() => {}} />);
    const confirm = screen.getByTestId('save-confirm') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('save-message'), { target: { value: '   ' } });
    expect(confirm.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('save-message'), { target: { value: ' Tighter prompt ' } });
    fireEvent.click(confirm);
    expect(onSave).toHaveBeenCalledWith('Tighter prompt', 3);
  });

  it('after a 409 offers to load the newer version or save on top of it', () => {
    const onSave = vi.fn();
    const onLoadLatest = vi.fn();
    render(<SaveDialog name="qa" base={3} conflict={5} busy={false} onSave={onSave} onLoadLatest={onLoadLatest} onClose={() => {}} />);
    expect(screen.getByTestId('save-conflict').textContent).toContain('Version 5 was saved since you opened version 3');
    fireEvent.change(screen.getByTestId('save-message'), { target: { value: 'mine' } });
    fireEvent.click(screen.getByTestId('save-on-top'));
    expect(onSave).toHaveBeenCalledWith('mine', 5);
    fireEvent.click(screen.getByTestId('load-latest'));
    expect(onLoadLatest).toHaveBeenCalled();
  });
});

describe('run panel', () => {
  const doc = echoPipeline();
  doc.nodes.push({ id: 'n', type: 'input', position: { x: 0, y: 0 }, config: { name: 'count', valueType: 'number' } });

  it('checks each input against its type before running', () => {
    const onRun = vi.fn();
    render(<RunPanel doc={doc} runs={new RunStore((f) => f())} canRun onRun={onRun} onCancel={() => {}} />);
    fireEvent.change(screen.getByTestId('run-input-question'), { target: { value: 'hello' } });
    fireEvent.change(screen.getByTestId('run-input-count'), { target: { value: 'abc' } });
    fireEvent.click(screen.getByTestId('run-button'));
    expect(onRun).not.toHaveBeenCalled();
    expect(screen.getByText(/number/, { selector: '.error-text' })).toBeTruthy();
    fireEvent.change(screen.getByTestId('run-input-count'), { target: { value: '42' } });
    fireEvent.click(screen.getByTestId('run-button'));
    expect(onRun).toHaveBeenCalledWith({ question: 'hello', count: 42 });
  });

  it('shows the outputs and the failure of the shown run, and enables Cancel while it runs', () => {
    const runs = new RunStore((f) => f());
    render(<RunPanel doc={doc} runs={runs} canRun onRun={() => {}} onCancel={() => {}} />);
    expect((screen.getByTestId('cancel-button') as HTMLButtonElement).disabled).toBe(true);
    act(() => runs.apply({ type: 'run.started', runId: 'r', at: 0, inputs: {} }));
    expect((screen.getByTestId('cancel-button') as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByTestId('run-button') as HTMLButtonElement).disabled).toBe(true);
    act(() => runs.apply({ type: 'run.completed', runId: 'r', at: 1, durationMs: 1, outputs: { answer: 'Say: hi', extra: { n: 1 } } }));
    expect(screen.getByTestId('run-output-answer').textContent).toBe('Say: hi');
    expect(JSON.parse(screen.getByTestId('run-output-extra').textContent!)).toEqual({ n: 1 });
    act(() => runs.apply({ type: 'run.failed', runId: 'r', at: 1, durationMs: 1, error: 'boom', nodeId: 'answer' }));
    expect(screen.getByTestId('run-error').textContent).toBe('answer: boom');
  });

  it('will not run a pipeline with problems', () => {
    render(<RunPanel doc={doc} runs={new RunStore((f) => f())} canRun={false} onRun={() => {}} onCancel={() => {}} />);
    expect((screen.getByTestId('run-button') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('help dialog', () => {
  it('lists the shortcuts and closes on Escape', () => {
    const onClose = vi.fn();
    render(<HelpDialog onClose={onClose} />);
    expect(screen.getByTestId('help-dialog').textContent).toContain('Undo');
    // a click on a palette type adds a node too (editor.md), not only a drag
    expect(screen.getByRole('row', { name: /^Drag a type from the palette, or click it/ }).textContent).toBe('Drag a type from the palette, or click itAdd a node');
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(onClose).toHaveBeenCalled();
  });
});
