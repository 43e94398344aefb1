import { describe, expect, it } from 'vitest';
import { Redactor } from '../src/http/secrets';

const KEY = 'sk-live-0123456789abcdef';
const redactor = new Redactor([{ name: 'OPENAI_API_KEY', value: KEY }]);

describe('Redactor', () => {
  it('finds a secret at any depth (100,000 levels) without a stack overflow, at the path a depth-first walk meets first', () => {
    let deep: unknown = { note: `key ${KEY}` };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(redactor.find(deep)).toEqual({ path: `$${'[0]'.repeat(100_000)}.note`, name: 'OPENAI_API_KEY' });
    expect(redactor.find({ a: ['x', { b: KEY }], c: KEY })).toEqual({ path: '$.a[1].b', name: 'OPENAI_API_KEY' });
    expect(redactor.find({ [KEY]: 1 })).toEqual({ path: '$', name: 'OPENAI_API_KEY' });
    expect(redactor.find({ a: [1, 'safe'] })).toBeUndefined();
  });

  it('masks the key whole and any 8-character stretch of it, as one mask per stretch', () => {
    expect(redactor.redact(`a ${KEY} b ${KEY}${KEY}`)).toBe('a [REDACTED] b [REDACTED]');
    expect(redactor.redact(`cut: ${KEY.slice(0, 12)}… tail ${KEY.slice(-9)}`)).toBe('cut: [REDACTED]… tail [REDACTED]');
    expect(redactor.redact(`short ${KEY.slice(3, 10)}`)).toBe(`short ${KEY.slice(3, 10)}`);
  });

  it('masks a stream split anywhere: joined, the chunks never hold 8 characters of the key', () => {
    const text = `before ${KEY} middle ${KEY.slice(4, 20)} after`;
    for (const size of [1, 2, 3, 5, 7, 11]) {
      const stream = redactor.streamMasker();
      let out = '';
      for (let i = 0; i < text.length; i += size) out += stream.push(text.slice(i, i + size));
      out += stream.end();
      expect(out, `chunks of ${size}`).toBe('before [REDACTED] middle [REDACTED] after');
    }
  });
});
