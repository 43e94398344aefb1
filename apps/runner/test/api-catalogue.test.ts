import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeTypes } from '@patchbay/core';
import { startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner({ env: { FIREWORKS_API_KEY: 'fw-key-0123456789' } });
});
afterAll(() => runner.close());

describe('node types', () => {
  it('lists every node type with its ports and its config as JSON Schema', async () => {
    const types = await (await runner.api('/api/node-types')).json();
    expect(types.map((t: any) => t.type).sort()).toEqual(Object.keys(nodeTypes).sort());
    const transform = types.find((t: any) => t.type === 'transform');
    expect(transform.inputs).toEqual([expect.objectContaining({ name: 'value' })]);
    expect(transform.codeFields).toContain('expression');
    const llm = types.find((t: any) => t.type === 'llm');
    expect(llm.configSchema.type).toBe('object');
    expect(llm.configSchema.properties).toHaveProperty('prompt');
    expect(llm.configSchema.required).toContain('model');
    expect(llm.templateFields).toContain('prompt');
  });

  it('works out the ports a config gives: template variables become inputs', async () => {
    const res = await runner.post('/api/node-types/template/ports', { config: { template: 'Hi {{ name }}, see {{ topic }}' } });
    expect(res.status).toBe(200);
    const ports = await res.json();
    expect(ports.inputs.map((p: any) => p.name).sort()).toEqual(['name', 'topic']);
    expect(ports.outputs.map((p: any) => p.name)).toEqual(['text']);
    expect(ports.errors).toEqual([]);

    const bad = await (await runner.post('/api/node-types/template/ports', { config: { template: 42 } })).json();
    expect(bad.errors[0].path).toBe('$.config.template');
    expect((await runner.post('/api/node-types/nope/ports', { config: {} })).status).toBe(404);
  });

  it("says what is wrong with a config in validation's words, not the schema library's", async () => {
    const missing = await (await runner.post('/api/node-types/llm/ports', { config: { prompt: 'Hi {{ name }}' } })).json();
    expect(missing.errors).toEqual([{ path: '$.config.model', message: 'config.model is missing' }]);
    const wrong = await (await runner.post('/api/node-types/llm/ports', { config: { model: 'offline:echo', prompt: 'Hi', temperature: 'hot', maxTokens: -1 } })).json();
    expect(wrong.errors).toEqual([
      { path: '$.config.temperature', message: 'config.temperature: Temperature must be a number.' },
      { path: '$.config.maxTokens', message: 'config.maxTokens: Max tokens must be greater than 0.' },
    ]);
    // The same words POST /api/pipelines gives for that node, without its id.
    const saved = await (await runner.post('/api/pipelines', { format: 'patchbay.pipeline/v1', name: 'words', nodes: [{ id: 'a', type: 'llm', config: { model: 'offline:echo', prompt: 'Hi', temperature: 'hot', maxTokens: -1 } }], edges: [] })).json();
    expect(saved.problems.filter((p: any) => p.code === 'invalid-config').map((p: any) => p.message)).toEqual(wrong.errors.map((e: any) => `node "a": ${e.message}`));
  });
});

describe('providers', () => {
  it('lists offline first and says whether each provider has its key, without the key', async () => {
    const res = await runner.api('/api/providers');
    const text = await res.text();
    const providers = JSON.parse(text);
    expect(providers[0]).toMatchObject({ name: 'offline', offline: true });
    expect(providers.find((p: any) => p.name === 'fireworks')).toMatchObject({ hasKey: true, offline: false, keyVariable: 'FIREWORKS_API_KEY' });
    expect(providers.find((p: any) => p.name === 'openai')).toMatchObject({ hasKey: false });
    expect(text).not.toContain('fw-key-0123456789');
  });
});

describe('tools', () => {
  it("lists the workspace's tools with their descriptions and parameters, and tool and agent nodes name the fields that pick them", async () => {
    const tools = await (await runner.api('/api/tools')).json();
    expect(tools.map((t: any) => t.name)).toEqual(expect.arrayContaining(['calculator', 'http_request']));
    const calculator = tools.find((t: any) => t.name === 'calculator');
    expect(calculator.description).toMatch(/\S/);
    expect(calculator.parameters).toMatchObject({ type: 'object', properties: { expression: expect.any(Object) } });
    const types = await (await runner.api('/api/node-types')).json();
    expect(types.find((t: any) => t.type === 'tool').toolFields).toEqual(['tool']);
    expect(types.find((t: any) => t.type === 'agent').toolFields).toEqual(['tools']);
    expect(types.find((t: any) => t.type === 'llm').toolFields).toEqual([]);
  });
});

describe('indexes', () => {
  it('adds documents to an index, lists it, and searches it', async () => {
    const add = await runner.post('/api/indexes/handbook/documents', {
      documents: [
        { text: 'Refunds are possible within 30 days of purchase.', source: 'refunds.md' },
        { text: 'Shipping to Europe takes five working days.', source: 'shipping.md' },
      ],
    });
    expect(add.status).toBe(201);
    expect(await add.json()).toEqual({ index: 'handbook', chunks: 2 });

    const list = await (await runner.api('/api/indexes')).json();
    expect(list).toContainEqual({ name: 'handbook', chunks: 2, embeddingModel: 'offline:hash' });

    for (const mode of ['keyword', 'hybrid', 'vector']) {
      const found = await (await runner.post('/api/indexes/handbook/search', { query: 'refunds purchase', topK: 1, mode })).json();
      expect(found.documents).toHaveLength(1);
      expect(found.documents[0].source).toBe('refunds.md');
    }
    const missing = await runner.post('/api/indexes/unknown/search', { query: 'x' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).detail).toMatch(/unknown index "unknown"/);
    expect((await runner.post('/api/indexes/bad name!/search', { query: 'x' })).status).toBe(400);
  });
});

describe('OpenAPI and docs', () => {
  it('describes every route in OpenAPI 3.1 with zod-made schemas', async () => {
    const doc = await (await runner.api('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([p, item]: [string, any]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    for (const op of [
      'GET /api/pipelines',
      'POST /api/pipelines',
      'GET /api/pipelines/{name}',
      'DELETE /api/pipelines/{name}',
      'GET /api/pipelines/{name}/versions',
      'POST /api/pipelines/{name}/versions',
      'GET /api/pipelines/{name}/versions/{n}',
      'GET /api/pipelines/{name}/diff',
      'POST /api/runs',
      'GET /api/runs',
      'GET /api/runs/{id}',
      'GET /api/runs/{id}/events',
      'POST /api/runs/{id}/cancel',
      'GET /api/node-types',
      'GET /api/providers',
      'GET /api/indexes',
      'POST /api/indexes/{name}/documents',
      'POST /api/indexes/{name}/search',
    ]) {
      expect(operations).toContain(op);
    }
    const save = doc.paths['/api/pipelines/{name}/versions'].post;
    expect(save.responses['409'].content['application/problem+json']).toBeDefined();
    expect(doc.components.schemas.SaveVersion.required).toEqual(expect.arrayContaining(['document', 'baseVersion']));
  });

  it('gives every operation a unique operationId and a 400 for bad path or query parameters; names its server', async () => {
    const doc = await (await runner.api('/api/openapi.json')).json();
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const ops = Object.values(doc.paths).flatMap((item: any) => Object.values(item)) as any[];
    const ids = ops.map((op) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[A-Za-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(doc.paths) as [string, Record<string, any>][]) {
      for (const op of Object.values(item).filter((o) => o.parameters?.some((p: any) => p.in === 'path' || p.in === 'query'))) {
        // OpenAI-shaped under /v1, as OpenAI clients read it
        expect(op.responses['400']?.content?.[path.startsWith('/v1/') ? 'application/json' : 'application/problem+json'], op.operationId).toBeDefined();
      }
    }
    // What the document promises holds: a bad path parameter is a 400 problem.
    const bad = await runner.api('/api/pipelines/Not_A_Slug/versions/1');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 400, errors: [{ path: 'path.name' }] });
  });

  it('serves a readable, self-contained docs page', async () => {
    const res = await runner.api('/api/docs');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('POST</span> <code>/api/runs</code>');
    expect(html).toContain('Start a run');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.)/);
  });
});

describe('the editor at /', () => {
  it('serves the built editor with a fallback to index.html for its own routes', async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-dist-'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>editor</title>');
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
    const withEditor = await startTestRunner({ editorDist: dist });
    try {
      expect(await (await withEditor.api('/')).text()).toContain('<title>editor</title>');
      const asset = await withEditor.api('/assets/app.js');
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      expect(await asset.text()).toBe('console.log(1)');
      expect(await (await withEditor.api('/pipelines/support/runs')).text()).toContain('<title>editor</title>');
      expect((await withEditor.api('/assets/missing.js')).status).toBe(404);
      expect((await withEditor.api('/api/nope')).headers.get('content-type')).toBe('application/problem+json');
    } finally {
      await withEditor.close();
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });

  it('says how to build the editor when it is not built', async () => {
    const missing = await startTestRunner({ editorDist: path.join(os.tmpdir(), 'no-such-editor-dist') });
    try {
      const res = await missing.api('/');
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('npm run build -w @patchbay/editor');
      expect((await missing.api('/healthz')).status).toBe(200);
    } finally {
      await missing.close();
    }
  });
});
