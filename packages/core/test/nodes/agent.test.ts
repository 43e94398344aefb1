import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/engine/context';
import { agentNode } from '../../src/nodes/agent';
import { parsed, runNode, testContext } from './in-memory-services';

// How an agent runs offline: a user rule asks for tools, a tool rule answers from their results.
const weatherScript = [
  { match: 'weather in (\\w+)', toolCalls: [{ name: 'weather', arguments: { city: '$1' } }] },
  { role: 'tool' as const, match: '"forecast":"(\\w+)"', reply: 'Expect $1 today.' },
];

describe('agent node', () => {
  it('has template variables as inputs and text/steps as outputs', () => {
    const config = parsed(agentNode, { model: 'offline:scripted', system: 'Help {{ user }}', prompt: '{{ task }}', tools: ['weather'] });
    expect(agentNode.inputs(config).map((p) => p.name)).toEqual(['user', 'task']);
    expect(agentNode.outputs(config).map((p) => p.name)).toEqual(['text', 'steps']);
    expect(config.maxSteps).toBe(5);
  });

  it('calls the tool the model asks for and answers from its result', async () => {
    const ctx = testContext({ scripted: weatherScript });
    const out = await runNode(agentNode, { model: 'offline:scripted', prompt: 'What is the weather in {{ city }}?', tools: ['weather'] }, { city: 'Oslo' }, ctx);
    expect(out.text).toBe('Expect snow today.');
    expect(ctx.tools.calls).toEqual([{ name: 'weather', args: { city: 'Oslo' } }]);
    const steps = out.steps as CallRecord[];
    expect(steps.map((s) => [s.kind, s.name])).toEqual([
      ['model', 'offline:scripted'],
      ['tool', 'weather'],
      ['model', 'offline:scripted'],
    ]);
    expect(steps[0].output).toEqual({ text: '', toolCalls: [{ name: 'weather', arguments: '{"city":"Oslo"}' }] });
    expect(steps[1]).toMatchObject({ input: { city: 'Oslo' }, output: { city: 'Oslo', forecast: 'snow' } });
  });

  it('reports every model and tool call, with usage on each model call so they add up', async () => {
    const ctx = testContext({ scripted: weatherScript });
    const out = await runNode(agentNode, { model: 'offline:scripted', prompt: 'weather in Rome', tools: ['weather'] }, {}, ctx);
    expect(ctx.reports.map((r) => r.call?.kind)).toEqual(['model', 'tool', 'model']);
    const modelReports = ctx.reports.filter((r) => r.call?.kind === 'model');
    expect(modelReports.every((r) => r.model === 'offline:scripted' && r.costUsd === 0 && r.usage)).toBe(true);
    const total = modelReports.reduce((n, r) => n + r.usage!.totalTokens, 0);
    expect(total).toBe((out.steps as CallRecord[]).reduce((n, s) => n + (s.usage?.totalTokens ?? 0), 0));
    expect(total).toBeGreaterThan(0);
  });

  it('runs the tool calls of one reply in parallel', async () => {
    const ctx = testContext({
      scripted: [
        { role: 'tool', match: '(done \\w+)', reply: 'finished: $1' },
        {
          match: 'go',
          toolCalls: [
            { name: 'slow', arguments: { label: 'one' } },
            { name: 'slow', arguments: { label: 'two' } },
            { name: 'slow', arguments: { label: 'three' } },
          ],
        },
      ],
    });
    const out = await runNode(agentNode, { model: 'offline:scripted', prompt: 'go', tools: ['slow'] }, {}, ctx);
    expect(ctx.tools.maxInFlight).toBe(3);
    // the last tool message is what the tool rule reads
    expect(out.text).toBe('finished: done three');
  });

  it('feeds a tool error back to the model as "error: ..." instead of failing', async () => {
    const ctx = testContext({
      scripted: [
        { match: 'try', toolCalls: [{ name: 'fail', arguments: {} }] },
        { role: 'tool', match: '^error: (.*)', reply: 'Sorry, the tool said: $1' },
      ],
    });
    const out = await runNode(agentNode, { model: 'offline:scripted', prompt: 'try it', tools: ['fail'] }, {}, ctx);
    expect(out.text).toBe('Sorry, the tool said: upstream unavailable');
    expect((out.steps as CallRecord[])[1]).toMatchObject({ kind: 'tool', name: 'fail', error: 'upstream unavailable' });
  });

  it('refuses, as a tool message, a call to a tool the agent was not given', async () => {
    const ctx = testContext({
      scripted: [
        { match: 'sum', toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] },
        { role: 'tool', match: '^error: (.*)', reply: '$1' },
      ],
    });
    const out = await runNode(agentNode, { model: 'offline:scripted', prompt: 'sum', tools: ['weather'] }, {}, ctx);
    expect(out.text).toBe('"add" is not one of this agent\'s tools (weather)');
    expect(ctx.tools.calls).toEqual([]);
  });

  it('fails after maxSteps model calls without an answer', async () => {
    // the tool rule asks for the tool again: the model never answers
    const ctx = testContext({
      scripted: [
        { role: 'tool', match: 'forecast', toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }] },
        { match: 'loop', toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }] },
      ],
    });
    await expect(runNode(agentNode, { model: 'offline:scripted', prompt: 'loop', tools: ['weather'], maxSteps: 3 }, {}, ctx)).rejects.toThrow(
      'agent stopped after 3 steps without an answer',
    );
    expect(ctx.reports.filter((r) => r.call?.kind === 'model')).toHaveLength(3);
    expect(ctx.tools.calls).toHaveLength(2);
    await expect(runNode(agentNode, { model: 'offline:scripted', prompt: 'loop', tools: ['weather'], maxSteps: 1 }, {}, ctx)).rejects.toThrow(
      /^agent stopped after 1 step without an answer$/,
    );
  });

  it('answers straight away when the model needs no tool', async () => {
    const ctx = testContext({ scripted: [{ match: 'hi', reply: 'hello' }] });
    const out = await runNode(agentNode, { model: 'offline:scripted', prompt: 'hi', tools: [] }, {}, ctx);
    expect(out).toEqual({ text: 'hello', steps: [expect.objectContaining({ kind: 'model' })] });
  });

  it('fails before calling the model when a configured tool does not exist', async () => {
    const ctx = testContext();
    await expect(runNode(agentNode, { model: 'offline:scripted', prompt: 'x', tools: ['weather', 'teleport'] }, {}, ctx)).rejects.toThrow(
      'unknown tool "teleport"; available: add, weather, fail, slow',
    );
    expect(ctx.reports).toEqual([]);
  });

  it('check() reports template errors and a tool listed twice', () => {
    const issues = agentNode.check!(parsed(agentNode, { model: 'offline:scripted', prompt: '{{ broken', tools: ['add', 'add'] }));
    expect(issues.map((i) => i.path)).toEqual([['prompt'], ['tools', 1]]);
  });
});
