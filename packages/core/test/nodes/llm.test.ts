import { describe, expect, it } from 'vitest';
import { llmNode } from '../../src/nodes/llm';
import { parsed, runNode, testContext } from './in-memory-services';

describe('llm node', () => {
  it('has one input per template variable of system and prompt, and text/usage outputs (json with jsonSchema)', () => {
    const config = parsed(llmNode, {
      model: 'offline:echo',
      system: 'You help {{ customer }}.',
      prompt: '{% for d in docs %}{{ d.text }}{% endfor %} Q: {{ question }} ({{ customer }})',
    });
    expect(llmNode.inputs(config).map((p) => p.name)).toEqual(['customer', 'docs', 'question']);
    expect(llmNode.outputs(config).map((p) => p.name)).toEqual(['text', 'usage']);
    expect(llmNode.outputs({ ...config, jsonSchema: { type: 'object' } }).map((p) => p.name)).toEqual(['text', 'json', 'usage']);
  });

  it('renders the prompt, streams the reply as tokens and reports model, usage and cost', async () => {
    const ctx = testContext();
    const out = await runNode(llmNode, { model: 'offline:echo', prompt: 'Hello {{ name }}, you have {{ n }} new messages' }, { name: 'Ada', n: 3 }, ctx);
    expect(out.text).toBe('Hello Ada, you have 3 new messages');
    expect(ctx.tokens.join('')).toBe(out.text);
    expect(out.usage).toEqual({ promptTokens: 7, completionTokens: 7, totalTokens: 14 });
    expect(ctx.reports).toEqual([{ model: 'offline:echo', usage: out.usage, costUsd: 0 }]);
  });

  it('sends the rendered system message too (extractive answers from it)', async () => {
    const ctx = testContext();
    const out = await runNode(
      llmNode,
      { model: 'offline:extractive', system: 'Context: {{ facts }}', prompt: 'Question: {{ question }}' },
      { facts: 'The office opens at nine. Parking is free on Sundays.', question: 'When is parking free?' },
      ctx,
    );
    expect(out.text).toBe('Parking is free on Sundays.');
  });

  it('passes maxTokens and stop to the model', async () => {
    const out = await runNode(llmNode, { model: 'offline:echo', prompt: 'a b c d e', maxTokens: 3 }, {}, testContext());
    expect(out.text).toBe('a b c');
    const stopped = await runNode(llmNode, { model: 'offline:echo', prompt: 'keep this|drop this', stop: ['|'] }, {}, testContext());
    expect(stopped.text).toBe('keep this');
  });

  describe('with jsonSchema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };

    it('parses the reply into json (also inside a ```json fence)', async () => {
      const out = await runNode(llmNode, { model: 'offline:echo', prompt: '{"answer": "{{ a }}"}', jsonSchema: schema }, { a: 'yes' }, testContext());
      expect(out.json).toEqual({ answer: 'yes' });
      const fenced = await runNode(llmNode, { model: 'offline:echo', prompt: '```json\n{"answer": "ok"}\n```', jsonSchema: schema }, {}, testContext());
      expect(fenced.json).toEqual({ answer: 'ok' });
    });

    it('fails clearly when the reply is not JSON or does not fit the schema', async () => {
      await expect(runNode(llmNode, { model: 'offline:echo', prompt: 'sure thing', jsonSchema: schema }, {}, testContext())).rejects.toThrow(
        /^the model's reply is not valid JSON \(.*\): "sure thing"$/,
      );
      await expect(runNode(llmNode, { model: 'offline:echo', prompt: '{"answer": 42}', jsonSchema: schema }, {}, testContext())).rejects.toThrow(
        "the model's reply does not fit jsonSchema: reply/answer must be string",
      );
    });
  });

  it('check() reports template syntax errors and unusable schemas by field', () => {
    const issues = llmNode.check!(
      parsed(llmNode, { model: 'offline:echo', system: '{% if x %}', prompt: '{{ ok }}', jsonSchema: { type: 'nonsense' } }),
    );
    expect(issues.map((i) => i.path)).toEqual([['system'], ['jsonSchema']]);
    expect(issues[0].message).toMatch(/^template does not parse/);
    expect(issues[1].message).toMatch(/^jsonSchema is not a usable JSON Schema/);
    expect(llmNode.check!(parsed(llmNode, { model: 'offline:echo', prompt: 'fine {{ x }}' }))).toEqual([]);
  });

  it('refuses a model name without a provider and names an unknown provider at run time', async () => {
    expect(llmNode.configSchema.safeParse({ model: 'gpt-4o', prompt: 'x' }).success).toBe(false);
    await expect(runNode(llmNode, { model: 'nowhere:model', prompt: 'x' }, {}, testContext())).rejects.toThrow(
      'unknown model provider "nowhere" in "nowhere:model"; configured: offline',
    );
  });

  it('stops when the run is cancelled', async () => {
    const ctx = testContext();
    ctx.abort();
    await expect(runNode(llmNode, { model: 'offline:echo', prompt: 'hi' }, {}, ctx)).rejects.toThrow('cancelled by the test');
  });
});
