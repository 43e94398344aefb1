import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/openapi-document';

// Redocly's own lint engine (the one `redocly lint` runs) over the document GET /api/openapi.json serves.
describe('the OpenAPI document', () => {
  it('passes redocly lint with the recommended rules: 0 errors and 0 warnings', async () => {
    const doc = await openApiDocument();
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const said = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(said.filter((line) => line.startsWith('error'))).toEqual([]);
    expect(problems.filter((p) => p.severity === 'warn').map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(doc.info).toMatchObject({ license: { name: 'MIT' } });
  });

  it('names the server it is served from, so a client generator has a base URL', async () => {
    const doc = (await openApiDocument()) as { servers?: Array<{ url?: unknown }> };
    expect(doc.servers?.length).toBeGreaterThan(0);
    for (const server of doc.servers ?? []) expect(server.url).toEqual(expect.any(String));
  });

  it('documents the 400 of every operation that takes a parameter or a body (problem+json; OpenAI-shaped under /v1)', async () => {
    const doc = (await openApiDocument()) as { paths: Record<string, Record<string, Operation>> };
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!op.parameters?.length && !op.requestBody) continue;
        const type = path.startsWith('/v1/') ? 'application/json' : 'application/problem+json';
        if (!op.responses['400']?.content?.[type]) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

interface Operation {
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
}
