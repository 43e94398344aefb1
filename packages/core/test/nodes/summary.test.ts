import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUMMARY_MAX_CHARS, nodeTypes, shortModelName, type SummaryLine } from '../../src/index';

// What each node type's card says under its title, for a typical config. Every type in the
// catalogue must be here: a new type declares its summary and shows it in this table.
const CASES: Record<string, { config: Record<string, unknown>; lines: SummaryLine[] }> = {
  input: { config: { name: 'question', valueType: 'string' }, lines: [{ label: 'input', text: 'question: string' }] },
  output: { config: { name: 'answer' }, lines: [{ label: 'output', text: 'answer' }] },
  template: { config: { template: '\n  Context:\n{{ docs }}' }, lines: [{ label: 'template', text: 'Context:', code: true }] },
  llm: {
    config: { model: 'fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct', system: 'Be brief.', prompt: 'Question: {{ question }}\nAnswer:' },
    lines: [
      { label: 'model', text: 'llama-v3p1-8b-instruct' },
      { label: 'prompt', text: 'Question: {{ question }}', code: true },
    ],
  },
  agent: {
    config: { model: 'openai:gpt-4o-mini', prompt: 'Help with {{ request }}', tools: ['orders', 'refunds'], maxSteps: 5 },
    lines: [
      { label: 'model', text: 'gpt-4o-mini' },
      { label: 'prompt', text: 'Help with {{ request }}', code: true },
      { label: 'tools', text: 'orders, refunds' },
    ],
  },
  // topK and mode left out: the card shows the defaults that run
  retrieve: { config: { index: 'docs' }, lines: [{ label: 'index', text: 'docs · keyword · top 4' }] },
  tool: { config: { tool: 'orders', parameters: ['id'] }, lines: [{ label: 'tool', text: 'orders' }, { label: 'params', text: 'id' }] },
  router: {
    config: { routes: [{ port: 'orders', when: '$contains($, "order")' }, { port: 'urgent', when: '$.priority > 3' }] },
    lines: [
      { label: 'orders', text: '$contains($, "order")', code: true },
      { label: 'urgent', text: '$.priority > 3', code: true },
    ],
  },
  merge: { config: { inputs: ['fromOrders', 'fromDocs'] }, lines: [{ label: 'first of', text: 'fromOrders, fromDocs' }] },
  transform: { config: { expression: '$.items[price > 10]\n  .name' }, lines: [{ label: 'expression', text: '$.items[price > 10]', code: true }] },
  code: { config: { code: '// triple it\nreturn value * 3', timeoutMs: 1000 }, lines: [{ label: 'code', text: '// triple it', code: true }] },
  pipeline: { config: { ref: 'support-assistant@production' }, lines: [{ label: 'calls', text: 'support-assistant@production' }] },
  map: {
    config: { ref: 'support-assistant@v3', onError: 'collect' },
    lines: [
      { label: 'each item', text: 'support-assistant@v3' },
      { label: 'on error', text: 'collect' },
    ],
  },
};

describe('node card summaries', () => {
  it('every node type in the catalogue declares one, and this table covers them all', () => {
    for (const [type, def] of Object.entries(nodeTypes)) expect(def.summary, `${type}.summary`).toBeTypeOf('function');
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(nodeTypes).sort());
  });

  it.each(Object.entries(CASES))('%s: the settings that say what it does', (type, { config, lines }) => {
    // the typical config is a valid one, so the table shows what a real node's card says
    expect(nodeTypes[type].configSchema.safeParse(config).success).toBe(true);
    expect(nodeTypes[type].summary!(config)).toEqual(lines);
  });

  it('a router with many routes lists the first three and counts the rest', () => {
    const routes = ['a', 'b', 'c', 'd', 'e'].map((port) => ({ port, when: `$ = "${port}"` }));
    const lines = nodeTypes.router.summary!({ routes });
    expect(lines.map((l) => l.label)).toEqual(['a', 'b', 'c', 'routes']);
    expect(lines[3].text).toBe('+2 more');
  });

  it('a long line is cut to a bounded length', () => {
    const [, prompt] = nodeTypes.llm.summary!({ model: 'offline:echo', prompt: 'x'.repeat(500) });
    expect(prompt.text).toHaveLength(SUMMARY_MAX_CHARS);
    expect(prompt.text.endsWith('…')).toBe(true);
  });

  it('an empty config (a node just dropped) shows nothing rather than blanks', () => {
    for (const [type, def] of Object.entries(nodeTypes)) {
      const lines = def.summary!({});
      // merge shows its default inputs, retrieve nothing until it has an index
      for (const line of lines) expect(line.text, type).not.toBe('');
    }
    expect(nodeTypes.retrieve.summary!({})).toEqual([]);
    expect(nodeTypes.merge.summary!({})).toEqual([{ label: 'first of', text: 'a, b' }]);
  });

  it('never throws on a config mid-edit, whatever it holds', () => {
    const config = fc.dictionary(fc.constantFrom('model', 'prompt', 'routes', 'tools', 'inputs', 'index', 'topK', 'mode', 'name', 'code', 'expression', 'template', 'tool', 'parameters', 'valueType'), fc.anything());
    fc.assert(
      fc.property(config, (c) => {
        for (const def of Object.values(nodeTypes)) {
          for (const line of def.summary!(c)) {
            expect(typeof line.text).toBe('string');
            expect(typeof line.label).toBe('string');
          }
        }
      }),
    );
  });

  it('names models by their short form; offline models keep their provider', () => {
    expect(shortModelName('fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct')).toBe('llama-v3p1-8b-instruct');
    expect(shortModelName('ollama:llama3.1:8b')).toBe('llama3.1:8b');
    expect(shortModelName('offline:extractive')).toBe('offline:extractive');
    expect(shortModelName('no-provider')).toBe('no-provider');
  });
});
