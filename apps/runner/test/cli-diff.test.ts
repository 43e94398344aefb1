import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineDoc, runCli, workspace } from './cli-child';

const before = pipelineDoc(
  'support',
  [
    { id: 'q', type: 'input', config: { name: 'question' }, position: { x: 0, y: 0 } },
    { id: 'answer', type: 'llm', config: { model: 'offline:echo', prompt: 'old {{ q }}' } },
    { id: 'legacy', type: 'template', config: { template: 'x {{ q }}' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  ['q.value -> answer.q', 'q.value -> legacy.q', 'answer.text -> out.value'],
);

// answer's prompt changed, legacy removed, shout added, q moved on the canvas (not a change).
const after = pipelineDoc(
  'support',
  [
    { id: 'q', type: 'input', config: { name: 'question' }, position: { x: 300, y: 40 } },
    { id: 'answer', type: 'llm', config: { model: 'offline:echo', prompt: 'new {{ q }}' } },
    { id: 'shout', type: 'transform', config: { expression: '$uppercase($)' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  ['q.value -> answer.q', 'answer.text -> shout.value', 'shout.value -> out.value'],
);

const moved = { ...before, nodes: (before.nodes as object[]).map((n, i) => (i === 0 ? { ...n, position: { x: 999, y: 999 } } : n)) };

let ws: ReturnType<typeof workspace>;
beforeAll(() => {
  ws = workspace({ 'a.json': before, 'b.json': after, 'moved.json': moved, 'not-pipeline.json': { hello: 'world' }, 'garbled.json': '[' });
});
afterAll(() => ws.remove());

describe('patchbay diff', () => {
  it('lists nodes and edges added, removed and changed per field; exits 0', async () => {
    const r = await runCli(['diff', 'a.json', 'b.json'], ws.dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toContain('+ node shout (transform)');
    expect(lines).toContain('- node legacy (template)');
    expect(lines).toContain('~ node answer: config.prompt: "old {{ q }}" → "new {{ q }}"');
    expect(lines).toContain('+ edge answer.text → shout.value');
    expect(lines).toContain('- edge answer.text → out.value');
    expect(lines).toContain('- edge q.value → legacy.q');
    // A move on the canvas is not a change.
    expect(lines.some((l) => l.includes('node q'))).toBe(false);
  });

  it('says "no differences" for documents that differ only in layout, still exit 0', async () => {
    const r = await runCli(['diff', 'a.json', 'moved.json'], ws.dir);
    expect(r).toMatchObject({ code: 0, stdout: 'no differences\n' });
  });

  it('--json prints the structured diff', async () => {
    const r = await runCli(['diff', 'a.json', 'b.json', '--json'], ws.dir);
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.stdout);
    expect(diff.identical).toBe(false);
    expect(diff.nodes.added.map((n: { id: string }) => n.id)).toEqual(['shout']);
    expect(diff.nodes.changed).toEqual([{ id: 'answer', type: 'llm', fields: [{ path: 'config.prompt', before: 'old {{ q }}', after: 'new {{ q }}' }] }]);
  });

  it('exits 2 with one line for a missing file, a file that is not JSON, or not a pipeline', async () => {
    const results = await Promise.all([
      runCli(['diff', 'a.json', 'missing.json'], ws.dir),
      runCli(['diff', 'garbled.json', 'a.json'], ws.dir),
      runCli(['diff', 'a.json', 'not-pipeline.json'], ws.dir),
      runCli(['diff', 'a.json'], ws.dir),
    ]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(results[0].stderr).toContain('cannot read missing.json');
    expect(results[2].stderr).toMatch(/not-pipeline\.json is not a pipeline document: \$\.format: /);
  });

  it('--help says it exits 0 whether or not there are differences', async () => {
    const r = await runCli(['diff', '--help'], ws.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exits 0 whether or not there are differences/);
  });
});
