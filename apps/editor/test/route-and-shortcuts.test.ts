import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route } from '../src/lib/route';
import { actionFor, SHORTCUTS } from '../src/lib/shortcuts';

describe('addresses', () => {
  const cases: [string, Route][] = [
    ['/', { page: 'list' }],
    ['/pipelines/support', { page: 'pipeline', name: 'support' }],
    ['/pipelines/support?version=3', { page: 'pipeline', name: 'support', version: 3 }],
    ['/pipelines/support?diff=1..4', { page: 'pipeline', name: 'support', diff: { from: 1, to: 4 } }],
    ['/pipelines/support?run=abc', { page: 'pipeline', name: 'support', run: 'abc' }],
    ['/pipelines/fresh?draft=1', { page: 'pipeline', name: 'fresh', draft: true }],
    ['/pipelines/support/deploy', { page: 'deploy', name: 'support' }],
    ['/pipelines/support/monitoring', { page: 'monitoring', name: 'support' }],
    ['/pipelines/support/monitoring?range=7d&by=label', { page: 'monitoring', name: 'support', range: '7d', by: 'label' }],
  ];
  it.each(cases)('%s', (url, route) => {
    const [path, search = ''] = url.split('?');
    expect(parseRoute(path, search ? `?${search}` : '')).toEqual(route);
    expect(formatRoute(route)).toBe(url);
  });

  it('ignores what it does not understand', () => {
    expect(parseRoute('/elsewhere', '')).toEqual({ page: 'list' });
    expect(parseRoute('/pipelines/x/monitoring', '?range=2w&by=node')).toEqual({ page: 'monitoring', name: 'x' });
  });

  it('says, rather than drops, a version or diff that is no version numbers (the latest would show in its place)', () => {
    expect(parseRoute('/pipelines/x', '?version=banana')).toEqual({ page: 'pipeline', name: 'x', problem: 'version must be a whole number from 1 (the address has version=banana)' });
    expect(parseRoute('/pipelines/x', '?diff=1-2')).toEqual({ page: 'pipeline', name: 'x', problem: 'diff must be two version numbers, as diff=1..2 (the address has diff=1-2)' });
    expect(parseRoute('/pipelines/x', '?diff=0..2')).toMatchObject({ problem: expect.stringMatching(/^diff must be/) });
    expect(parseRoute('/pipelines/x', `?version=${'9'.repeat(500)}`)).toHaveProperty('problem', `version must be a whole number from 1 (the address has version=${'9'.repeat(40)}…)`);
  });
});

describe('shortcuts', () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) =>
    actionFor({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

  it('maps undo and redo on Ctrl and Cmd', () => {
    expect(key('z', { ctrlKey: true })).toBe('undo');
    expect(key('z', { metaKey: true })).toBe('undo');
    expect(key('Z', { ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(key('z', { metaKey: true, shiftKey: true })).toBe('redo');
    expect(key('y', { ctrlKey: true })).toBe('redo');
  });

  it('maps the rest, and plain typing to nothing', () => {
    expect(key('c', { ctrlKey: true })).toBe('copy');
    expect(key('v', { metaKey: true })).toBe('paste');
    expect(key('Delete')).toBe('delete');
    expect(key('Backspace')).toBe('delete');
    expect(key('?', { shiftKey: true })).toBe('help');
    expect(key('s', { ctrlKey: true })).toBe('save');
    expect(key('a')).toBeUndefined();
    expect(key('z', { ctrlKey: true, altKey: true })).toBeUndefined();
  });

  it('lists every action in the help', () => {
    expect(new Set(SHORTCUTS.map((s) => s.action)).size).toBe(SHORTCUTS.length);
    expect(SHORTCUTS.map((s) => s.action)).toEqual(expect.arrayContaining(['undo', 'redo', 'copy', 'paste', 'delete', 'help']));
  });
});
