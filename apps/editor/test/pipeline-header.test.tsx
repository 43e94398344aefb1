import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { PipelineHeader } from '../src/components/PipelineHeader';
import type { PipelineView } from '../src/components/PipelineViewLinks';

function renderHeader(view: PipelineView, extra: { draft?: boolean } = {}) {
  const onGo = vi.fn();
  render(<PipelineHeader name="support-assistant" view={view} onGo={onGo} {...extra} />);
  const nav = screen.getByRole('navigation', { name: 'Pipeline views' });
  return { onGo, nav };
}

describe('a pipeline page header', () => {
  it.each([
    ['editor', 'Editor'],
    ['evals', 'Evals'],
    ['deploy', 'Deploy'],
    ['monitoring', 'Monitoring'],
  ] as const)('on the %s view: the same four links in the same order, that one marked the current page', (view, label) => {
    const { nav } = renderHeader(view);
    const links = within(nav).getAllByRole('link');
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['Editor', '/pipelines/support-assistant'],
      ['Evals', '/pipelines/support-assistant/evals'],
      ['Deploy', '/pipelines/support-assistant/deploy'],
      ['Monitoring', '/pipelines/support-assistant/monitoring'],
    ]);
    expect(links.filter((a) => a.getAttribute('aria-current') === 'page').map((a) => a.textContent)).toEqual([label]);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('support-assistant');
  });

  it('goes to a view through onGo (where the editor asks about unsaved changes), and ← to all pipelines', () => {
    const { onGo, nav } = renderHeader('evals');
    fireEvent.click(within(nav).getByRole('link', { name: 'Deploy' }));
    expect(onGo).toHaveBeenLastCalledWith({ page: 'deploy', name: 'support-assistant' });
    fireEvent.click(within(nav).getByRole('link', { name: 'Editor' }));
    expect(onGo).toHaveBeenLastCalledWith({ page: 'pipeline', name: 'support-assistant' });
    fireEvent.click(screen.getByRole('button', { name: 'All pipelines' }));
    expect(onGo).toHaveBeenLastCalledWith({ page: 'list' });
  });

  it('leaves a Ctrl/⌘-click or a middle click to the browser (a new tab), moving nothing here', () => {
    const { onGo, nav } = renderHeader('editor');
    const monitoring = within(nav).getByRole('link', { name: 'Monitoring' });
    expect(fireEvent.click(monitoring, { ctrlKey: true })).toBe(true); // not prevented: the browser opens its href
    expect(fireEvent.click(monitoring, { metaKey: true })).toBe(true);
    expect(fireEvent.click(monitoring, { button: 1 })).toBe(true);
    expect(onGo).not.toHaveBeenCalled();
    expect(fireEvent.click(monitoring)).toBe(false);
    expect(onGo).toHaveBeenCalledTimes(1);
  });

  it('on a draft never saved: Evals, Deploy and Monitoring are greyed out and say why; Editor stays the current page', () => {
    const { onGo, nav } = renderHeader('editor', { draft: true });
    expect(within(nav).getAllByRole('link').map((a) => [a.textContent, a.getAttribute('aria-current')])).toEqual([['Editor', 'page']]);
    for (const [label, why] of [
      ['Evals', 'evals score saved versions'],
      ['Deploy', 'labels point at saved versions'],
      ['Monitoring', 'monitoring follows the runs of saved versions'],
    ]) {
      const button = within(nav).getByRole('button', { name: label }) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(button.title).toBe(`Save version 1 first: ${why}`);
      fireEvent.click(button);
    }
    expect(onGo).not.toHaveBeenCalled();
  });
});
