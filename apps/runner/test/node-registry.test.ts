import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeNodeType, nodeTypes, pipelineModels, validatePipeline } from '@patchbay/core';
import { startTestRunner, type TestRunner } from './support/test-runner';

// docs/architecture.md: a node type is its file plus one line in nodes/index.ts. Everything else
// (the palette, the JSON Schema, validation, model checks) reads the registry, so every registered
// type shows up in each of them, with the facts its file declares.
const registered = Object.keys(nodeTypes).sort();
const schemaFile = JSON.parse(readFileSync(new URL('../../../packages/core/schema/pipeline.schema.json', import.meta.url), 'utf8'));

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner();
});
afterAll(() => runner.close());

describe('one node registry', () => {
  it('the palette data (GET /api/node-types) is every registered type, as its definition describes it', async () => {
    const palette = (await (await runner.api('/api/node-types')).json()) as ReturnType<typeof describeNodeType>[];
    expect(palette.map((t) => t.type).sort()).toEqual(registered);
    for (const info of palette) expect(info).toEqual(describeNodeType(nodeTypes[info.type]));
    const llm = palette.find((t) => t.type === 'llm')!;
    expect(llm.modelFields).toEqual([{ field: 'model', kind: 'chat' }]);
    expect(llm.streamedOutput).toBe('text');
  });

  it('the JSON Schema gives each registered type its own config schema', () => {
    const perType = schemaFile.properties.nodes.items.allOf.map((branch: any) => branch.if.properties.type.const).sort();
    expect(perType).toEqual(registered);
  });

  it('validation knows every registered type, checks its config, and names the known types for any other', () => {
    for (const type of registered) {
      const result = validatePipeline({ format: 'patchbay.pipeline/v1', name: 'p', nodes: [{ id: 'n', type, config: {} }], edges: [] });
      const codes = result.problems.filter((p) => p.path.startsWith('$.nodes[0]')).map((p) => p.code);
      expect(codes, type).not.toContain('unknown-node-type');
      // an empty config is checked against the type's own schema: missing required fields are named
      if (describeNodeType(nodeTypes[type]).defaultConfig === null) expect(codes, type).toContain('invalid-config');
    }
    const unknown = validatePipeline({ format: 'patchbay.pipeline/v1', name: 'p', nodes: [{ id: 'n', type: 'no-such-type', config: {} }], edges: [] });
    expect(unknown.problems.map((p) => p.code)).toContain('unknown-node-type');
  });

  it("a type's model fields and streamed output name its own config fields and output ports", () => {
    for (const def of Object.values(nodeTypes)) {
      const info = describeNodeType(def);
      for (const { field } of info.modelFields) expect(Object.keys(info.configSchema.properties ?? {}), `${def.type}.${field}`).toContain(field);
      if (info.streamedOutput !== null) expect(def.outputs(info.defaultConfig ?? {}).map((p) => p.name), def.type).toContain(info.streamedOutput);
    }
  });

  it('the models a pipeline calls are read from the model fields its node types declare', () => {
    const nodes = [
      { id: 'a', type: 'agent', config: { model: 'openai:gpt-4o-mini', prompt: 'x', tools: [] } },
      { id: 'r', type: 'retrieve', config: { index: 'docs', mode: 'vector', embeddingModel: 'ollama:nomic-embed-text' } },
    ];
    expect(pipelineModels({ nodes } as never).map(({ node, kind }) => [node, kind])).toEqual([
      ['a', 'tool-calling'],
      ['r', 'embedding'],
    ]);
  });
});
