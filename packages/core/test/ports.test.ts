import { describe, expect, it } from 'vitest';
import { configKey } from '../src/graph/config-key';
import { nodeConfig, nodePorts } from '../src/graph/ports';

describe('nodePorts / nodeConfig', () => {
  it('template and llm inputs are their template variables', () => {
    expect(nodePorts({ type: 'template', config: { template: '{{ a }} {% for d in docs %}{{ d.text }}{% endfor %}' } })).toEqual({
      inputs: [expect.objectContaining({ name: 'a' }), expect.objectContaining({ name: 'docs' })],
      outputs: [{ name: 'text', type: 'string' }],
    });
    const llm = nodePorts({ type: 'llm', config: { model: 'offline:echo', system: 'Be {{ tone }}', prompt: '{{ question }}' } });
    expect(llm?.inputs.map((p) => p.name).sort()).toEqual(['question', 'tone']);
    expect(llm?.outputs.map((p) => p.name)).toContain('text');
  });

  it('uses config defaults, and is undefined for an unknown type', () => {
    expect(nodeConfig({ type: 'input', config: { name: 'q' } })).toEqual({ name: 'q', valueType: 'string' });
    expect(nodePorts({ type: 'input', config: { name: 'q' } })?.outputs).toEqual([{ name: 'value', type: 'string' }]);
    expect(nodePorts({ type: 'warp-drive', config: {} })).toBeUndefined();
    expect(nodeConfig({ type: 'warp-drive', config: {} })).toBeUndefined();
  });

  it('makes a best effort while the config does not fit', () => {
    // temperature out of range: the config does not parse, but the prompt's variables are still ports
    const node = { type: 'llm', config: { model: 'offline:echo', prompt: '{{ question }}', temperature: 'hot' } };
    expect(nodeConfig(node)).toBeUndefined();
    expect(nodePorts(node)?.inputs.map((p) => p.name)).toEqual(['question']);
    expect(nodePorts({ type: 'template', config: { template: 42 } })).toEqual({ inputs: [], outputs: [{ name: 'text', type: 'string' }] });
  });

  it('hands out fresh arrays: a caller changing them does not change the next answer', () => {
    const node = { type: 'template', config: { template: '{{ a }}' } };
    nodePorts(node)!.inputs.push({ name: 'sneaky', type: 'any' });
    expect(nodePorts(node)!.inputs.map((p) => p.name)).toEqual(['a']);
  });
});

describe('configKey (what remembered config results are keyed by)', () => {
  it('is the JSON text of plain JSON, and undefined for values JSON would blur', () => {
    expect(configKey({ a: [1, 'x', null, { b: true }] })).toBe('{"a":[1,"x",null,{"b":true}]}');
    for (const blurred of [{ a: NaN }, { a: undefined }, { a: new Date(0) }, [undefined], { a: () => 1 }, { a: Infinity }]) {
      expect(configKey(blurred)).toBeUndefined();
    }
  });
});
