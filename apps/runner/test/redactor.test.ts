import fc from 'fast-check';
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

/** The rule as stated, the slow way: every stretch of 8 of every form of every secret, found by indexOf, merged where they overlap or touch. */
function maskedAsStated(text: string, secrets: string[]): string {
  const spans: Array<[number, number]> = [];
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      for (let j = 0; j + 8 <= form.length; j++) {
        const piece = form.slice(j, j + 8);
        for (let at = text.indexOf(piece); at !== -1; at = text.indexOf(piece, at + 1)) spans.push([at, at + 8]);
      }
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  let run: [number, number] | undefined;
  for (const [s, e] of spans) {
    if (run && s <= run[1]) run[1] = Math.max(run[1], e);
    else {
      if (run) out += text.slice(from, run[0]) + '[REDACTED]';
      if (run) from = run[1];
      run = [s, e];
    }
  }
  return run ? out + text.slice(from, run[0]) + '[REDACTED]' + text.slice(run[1]) : text;
}

describe('Redactor against the rule as stated', () => {
  // A small alphabet, so secrets share stretches and texts hold overlapping, touching and cut pieces of several.
  const char = fc.constantFrom('a', 'b', 'c', '"', '\\', '\n', 'é', '😀');
  const secretArb = fc.array(char, { minLength: 8, maxLength: 30 }).map((cs) => cs.join(''));
  it('masks exactly the stretches of 8 or more characters of each secret, written or JSON-escaped, and finds the first secret held', () => {
    fc.assert(
      fc.property(fc.array(secretArb, { minLength: 1, maxLength: 4 }), fc.array(fc.oneof(fc.array(char, { maxLength: 6 }).map((cs) => cs.join('')), fc.tuple(fc.nat(3), fc.nat(40), fc.nat(40))), { maxLength: 12 }), (secrets, parts) => {
        const text = parts
          .map((p) => {
            if (typeof p === 'string') return p;
            const s = secrets[p[0] % secrets.length];
            const form = p[2] % 2 === 0 ? s : JSON.stringify(s).slice(1, -1);
            return form.slice(p[1] % form.length, (p[1] % form.length) + 8 + (p[2] % form.length));
          })
          .join('');
        const r = new Redactor(secrets.map((value, i) => ({ name: `S${i}`, value })));
        expect(r.redact(text)).toBe(maskedAsStated(text, secrets));
        const holds = secrets.findIndex((s) => maskedAsStated(text, [s]) !== text);
        const whole = secrets.findIndex((s) => [s, JSON.stringify(s).slice(1, -1)].some((f) => text.includes(f)));
        expect(r.find(text)).toEqual(holds === -1 ? undefined : whole !== -1 ? { path: '$', name: `S${whole}` } : { path: '$', name: `S${holds}`, part: true });
      }),
      { numRuns: 2000 },
    );
  });
});
