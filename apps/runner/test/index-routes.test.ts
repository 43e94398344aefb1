import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner();
});
afterAll(() => runner.close());

/** A 4xx problem+json with one line of detail and the JSON path of what was refused. */
async function refusal(res: Response, status: number, path: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await res.json();
  expect(body.detail).not.toContain('\n');
  expect(body.errors).toEqual([{ path, message: expect.any(String) }]);
  return body;
}

describe('index routes refuse what they cannot do with the path of the cause', () => {
  it('refuses a batch that gives one id two texts at the second one, and indexes nothing of it', async () => {
    const res = await runner.post('/api/indexes/faq/documents', {
      documents: [
        { id: '1', text: 'Apples are red.' },
        { id: '2', text: 'Bananas are yellow.' },
        { id: '1', text: 'Cars are fast.' },
      ],
    });
    const body = await refusal(res, 400, '$.documents[2].id');
    expect(body.detail).toBe('document id "1" is given twice (documents 1 and 3) with different texts; give each document its own id');
    expect(await (await runner.api('/api/indexes')).json()).toEqual([]);
    const same = await runner.post('/api/indexes/faq/documents', { documents: [{ id: '1', text: 'Apples are red.' }, { id: '1', text: 'Apples are red.' }] });
    expect(await same.json()).toEqual({ index: 'faq', chunks: 1 });
  });
});
