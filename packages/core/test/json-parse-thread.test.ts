import { describe, expect, it } from 'vitest';
import { checkedParse } from '../src/node/json-thread/checked-parse';
import { OFF_THREAD_CHARS, parseJsonOffThread } from '../src/node/json-thread/json-parse-thread';

const EDGE = { refuseProtoKey: true, refuseLoneSurrogates: true } as const;

/** A dataset-like body past OFF_THREAD_CHARS, with `last` as its last case. */
function bigBody(last: string): string {
  const cases = Array.from({ length: 8000 }, (_, i) => JSON.stringify({ id: `c${i}`, input: { question: `what is ${i}?` }, expected: `${i}` }));
  const text = `{"name":"big","cases":[${cases.join(',')},${last}]}`;
  expect(text.length).toBeGreaterThan(OFF_THREAD_CHARS);
  return text;
}

describe('parseJsonOffThread', () => {
  it('gives a long text the value JSON.parse gives', async () => {
    const text = bigBody('{"id":"z","input":{"question":"é ✓ \\ud83d\\ude00"},"expected":[1,-2.5e-7,null,true]}');
    expect(await parseJsonOffThread(text, EDGE)).toEqual({ value: JSON.parse(text) });
  });

  it('refuses a long text as the main thread does: malformed, too deep, __proto__, a lone surrogate', async () => {
    for (const last of ['{"id":"z",}', `{"id":"z","input":${'['.repeat(300)}1${']'.repeat(300)}}`, '{"id":"z","input":{"__proto__":{}}}', '{"id":"z","input":"\\ud800"}']) {
      const text = bigBody(last);
      const offThread = await parseJsonOffThread(text, EDGE);
      expect(offThread).not.toHaveProperty('value');
      expect(offThread).toEqual(checkedParse(text, EDGE));
    }
  });
});
