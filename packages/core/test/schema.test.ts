import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaFileText } from '../scripts/write-schema';
import { nodeConfigJsonSchema, pipelineJsonSchema } from '../src/schema/json-schema';
import { nodeTypes } from '../src/nodes/index';
import { validatePipeline } from '../src/graph/validate';

const REGENERATE = 'npx tsx packages/core/scripts/write-schema.ts';

describe('pipeline JSON Schema', () => {
  it('the committed schema file is up to date', () => {
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_FILE, 'utf8');
    } catch {
      // missing file: reported by the assertion below
    }
    const stale = committed !== schemaFileText();
    expect(stale, `packages/core/schema/pipeline.schema.json is stale or missing: run \`${REGENERATE}\``).toBe(false);
  });

  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(pipelineJsonSchema());
  const demo = () =>
    JSON.parse(readFileSync(new URL('../../../examples/support-assistant/pipelines/v3.json', import.meta.url), 'utf8'));

  it('accepts a real pipeline, also one naming the schema for an editor', () => {
    expect(validate(demo()), JSON.stringify(validate.errors)).toBe(true);
    const pointed = { $schema: './node_modules/@patchbay/core/schema/pipeline.schema.json', ...demo() };
    expect(validate(pointed), JSON.stringify(validate.errors)).toBe(true);
    expect(validatePipeline(pointed).problems).toEqual([]);
  });

  it("checks each node's config against its type's schema", () => {
    const bad = demo();
    bad.nodes.find((n: { type: string }) => n.type === 'retrieve').config.topK = 'four';
    expect(validate(bad)).toBe(false);
    expect(validate.errors!.some((e) => e.instancePath.endsWith('/config/topK'))).toBe(true);
  });

  it('checks the document shape: format, name slug, node ids, edge ends', () => {
    const bad = demo();
    bad.format = 'other';
    bad.name = 'Not A Slug';
    bad.nodes[0].id = '9';
    bad.edges[0].to = 'nodot';
    expect(validate(bad)).toBe(false);
    const paths = validate.errors!.map((e) => e.instancePath);
    expect(paths).toEqual(expect.arrayContaining(['/format', '/name', '/nodes/0/id', '/edges/0/to']));
  });

  it('gives a config schema per node type where defaulted fields are optional', () => {
    for (const type of Object.keys(nodeTypes)) expect(nodeConfigJsonSchema(type)).toHaveProperty('type', 'object');
    const input = nodeConfigJsonSchema('input') as { properties: Record<string, { default?: unknown }>; required?: string[] };
    expect(input.required).toEqual(['name']);
    expect(input.properties.valueType.default).toBe('string');
    expect(() => nodeConfigJsonSchema('warp-drive')).toThrow(/unknown node type/);
  });
});
