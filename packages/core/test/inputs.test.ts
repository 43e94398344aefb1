import { describe, expect, it } from 'vitest';
import { checkInputs, parseInputValue, pipelineInputs, pipelineOutputs } from '../src/engine/inputs';

const doc = {
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string', description: 'What to ask' } },
    { id: 'n', type: 'input', config: { name: 'amount', valueType: 'number' } },
    { id: 'f', type: 'input', config: { name: 'loud', valueType: 'boolean', default: false } },
    { id: 'd', type: 'input', config: { name: 'docs', valueType: 'documents', default: [] } },
    { id: 'm', type: 'input', config: { name: 'history', valueType: 'messages', default: [] } },
    { id: 'j', type: 'input', config: { name: 'extra' } },
    { id: 't', type: 'template', config: { template: '{{ question }}' } },
    { id: 'o1', type: 'output', config: { name: 'answer' } },
    { id: 'o2', type: 'output', config: { name: 'sources' } },
  ],
};

describe('pipelineInputs / pipelineOutputs', () => {
  it('lists input nodes with their type, description, default and whether they are required', () => {
    expect(pipelineInputs(doc)).toEqual([
      { name: 'question', valueType: 'string', description: 'What to ask', required: true },
      { name: 'amount', valueType: 'number', required: true },
      { name: 'loud', valueType: 'boolean', default: false, required: false },
      { name: 'docs', valueType: 'documents', default: [], required: false },
      { name: 'history', valueType: 'messages', default: [], required: false },
      { name: 'extra', valueType: 'string', required: true },
    ]);
    expect(pipelineOutputs(doc)).toEqual(['answer', 'sources']);
  });
});

describe('checkInputs', () => {
  const ok = { question: 'hi', amount: 3, extra: 'x' };

  it('accepts values that fit, leaving defaulted inputs out', () => {
    expect(checkInputs(doc, ok)).toEqual([]);
    expect(
      checkInputs(doc, {
        ...ok,
        loud: true,
        docs: [{ id: 'a', text: 'A', score: 1 }, { text: 'no id or score' }],
        history: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: null }],
      }),
    ).toEqual([]);
  });

  it('reports every missing required input at $.inputs.NAME', () => {
    expect(checkInputs(doc, {})).toEqual([
      { path: '$.inputs.question', code: 'missing-input', message: 'input "question" (string) is required and was not given' },
      { path: '$.inputs.amount', code: 'missing-input', message: 'input "amount" (number) is required and was not given' },
      { path: '$.inputs.extra', code: 'missing-input', message: 'input "extra" (string) is required and was not given' },
    ]);
  });

  it('reports values that do not fit the valueType', () => {
    const problems = checkInputs(doc, {
      question: 42,
      amount: 'abc',
      extra: 'x',
      loud: 'yes',
      docs: [{ id: 'a' }],
      history: [{ role: 'robot', content: 'beep' }],
    });
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['$.inputs.question', 'input-type'],
      ['$.inputs.amount', 'input-type'],
      ['$.inputs.loud', 'input-type'],
      ['$.inputs.docs', 'input-type'],
      ['$.inputs.history', 'input-type'],
    ]);
    expect(problems[1].message).toBe('input "amount": expected a number, got a string ("abc")');
    expect(problems[3].message).toContain('[0].text');
    expect(problems[4].message).toContain('[0].role');
  });

  it('does not read inherited properties as given inputs', () => {
    const inherited = Object.create({ question: 'from the prototype', amount: 1, extra: 'x' });
    expect(checkInputs(doc, inherited).map((p) => p.code)).toEqual(['missing-input', 'missing-input', 'missing-input']);
  });

  it('flags unknown names only when asked, and refuses a non-object', () => {
    expect(checkInputs(doc, { ...ok, questoin: 'typo' })).toEqual([]);
    expect(checkInputs(doc, { ...ok, questoin: 'typo' }, { unknown: 'error' })).toEqual([
      expect.objectContaining({ path: '$.inputs.questoin', code: 'unknown-input' }),
    ]);
    expect(checkInputs(doc, [] as never)).toEqual([expect.objectContaining({ path: '$.inputs', code: 'invalid-inputs' })]);
  });
});

describe('parseInputValue (CLI --input NAME=VALUE)', () => {
  it('numbers must parse whole', () => {
    expect(parseInputValue('42', 'number')).toEqual({ ok: true, value: 42 });
    expect(parseInputValue('-1.5e3', 'number')).toEqual({ ok: true, value: -1500 });
    expect(parseInputValue(' 7 ', 'number')).toEqual({ ok: true, value: 7 });
    expect(parseInputValue('.5', 'number')).toEqual({ ok: true, value: 0.5 });
    for (const bad of ['abc', '12abc', '', ' ', 'Infinity', 'NaN', '0x10', '0b1', '1e400', '--1', '1.2.3']) {
      const result = parseInputValue(bad, 'number');
      expect(result.ok, bad).toBe(false);
    }
    expect(parseInputValue('abc', 'number')).toEqual({ ok: false, message: '"abc" is not a number' });
    expect(parseInputValue('1e400', 'number')).toEqual({ ok: false, message: '"1e400" is a number too large (it reads as infinite)' });
  });

  it('booleans are true or false', () => {
    expect(parseInputValue('true', 'boolean')).toEqual({ ok: true, value: true });
    expect(parseInputValue('false', 'boolean')).toEqual({ ok: true, value: false });
    expect(parseInputValue('yes', 'boolean').ok).toBe(false);
  });

  it('strings are taken as is', () => {
    expect(parseInputValue(' 42 = {"a"} ', 'string')).toEqual({ ok: true, value: ' 42 = {"a"} ' });
  });

  it('json, documents and messages are JSON of the right shape', () => {
    expect(parseInputValue('{"a":[1,2]}', 'json')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(parseInputValue('"plain"', 'json')).toEqual({ ok: true, value: 'plain' });
    const broken = parseInputValue('{a:1}', 'json');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.message).toMatch(/^not valid JSON/);
    expect(parseInputValue('[{"text":"A"}]', 'documents')).toEqual({ ok: true, value: [{ text: 'A' }] });
    expect(parseInputValue('{"text":"A"}', 'documents').ok).toBe(false);
    expect(parseInputValue('[{"role":"user","content":"hi"}]', 'messages').ok).toBe(true);
    expect(parseInputValue('[{"content":"hi"}]', 'messages').ok).toBe(false);
  });
});
