import { describe, expect, it } from 'vitest';
import { getNodeType, nodeConfigJsonSchema } from '@patchbay/core';
import { fieldText, formFields, initialConfig, parseFieldText, type FormField, type JsonSchema } from '../src/lib/config-form';

// the JSON Schemas the runner sends in GET /api/node-types come from core's nodeConfigJsonSchema
const fieldsOf = (type: string) => {
  const def = getNodeType(type)!;
  return formFields(nodeConfigJsonSchema(type) as JsonSchema, def);
};
const field = (type: string, key: string) => fieldsOf(type).find((f) => f.key === key)!;

describe('config forms from node JSON Schemas', () => {
  it('gives prompts a template editor, models a model picker, code a code editor', () => {
    expect(field('llm', 'prompt').kind).toBe('template');
    expect(field('llm', 'system').kind).toBe('template');
    expect(field('llm', 'model').kind).toBe('model');
    expect(field('llm', 'temperature').kind).toBe('number');
    expect(field('code', 'code').kind).toBe('code');
    expect(field('template', 'template').kind).toBe('template');
    expect(field('retrieve', 'embeddingModel').kind).toBe('model');
  });

  it("gives a tool field a tool picker, and an agent's list of tools a picker per entry", () => {
    expect(field('tool', 'tool').kind).toBe('tool');
    expect(field('agent', 'tools').kind).toBe('tool-list');
    expect(initialConfig(nodeConfigJsonSchema('agent') as JsonSchema, getNodeType('agent')!)).toMatchObject({ tools: [] });
  });

  it('gives enums a select with their values', () => {
    expect(field('retrieve', 'mode')).toMatchObject({ kind: 'enum', options: ['keyword', 'vector', 'hybrid'] });
    expect(field('input', 'valueType').options).toEqual(['string', 'number', 'boolean', 'json', 'documents', 'messages']);
  });

  it('marks required fields', () => {
    expect(field('llm', 'prompt').required).toBe(true);
    expect(field('llm', 'temperature').required).toBe(false);
  });

  it('starts a dropped node with defaults and empty required fields', () => {
    const retrieve = initialConfig(nodeConfigJsonSchema('retrieve') as JsonSchema);
    expect(retrieve).toMatchObject({ index: '', topK: 4, mode: 'keyword' });
    const llm = initialConfig(nodeConfigJsonSchema('llm') as JsonSchema, getNodeType('llm')!);
    expect(llm).toMatchObject({ model: '', prompt: '' });
    expect(llm).not.toHaveProperty('temperature');
  });

  it('reads numbers, lists and JSON from text, refusing what does not parse', () => {
    const number: FormField = { key: 'topK', label: 'Top K', kind: 'integer', required: true };
    expect(parseFieldText(number, '7')).toEqual({ ok: true, value: 7 });
    expect(parseFieldText(number, '7.5')).toEqual({ ok: false, message: 'Top K must be a whole number' });
    expect(parseFieldText(number, 'abc')).toEqual({ ok: false, message: 'Top K must be a number' });
    const optional: FormField = { key: 'temperature', label: 'Temperature', kind: 'number', required: false };
    expect(parseFieldText(optional, '')).toEqual({ ok: true, value: undefined });
    const list: FormField = { key: 'tools', label: 'Tools', kind: 'string-list', required: true };
    expect(parseFieldText(list, 'search, calc,\nweather')).toEqual({ ok: true, value: ['search', 'calc', 'weather'] });
    expect(fieldText(list, ['a', 'b'])).toBe('a, b');
    const json: FormField = { key: 'routes', label: 'Routes', kind: 'json', required: true };
    expect(parseFieldText(json, '[{"port": "big", "when": "$ > 1"}]')).toEqual({ ok: true, value: [{ port: 'big', when: '$ > 1' }] });
    expect(parseFieldText(json, '[{').ok).toBe(false);
  });
});
