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
});
