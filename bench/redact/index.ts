// `npm run bench -- redact [--quick]`: the CPU the runner's secret masking takes with three keys of real
// lengths set (an OpenAI project key of 164 characters, an Anthropic key of 108, a Fireworks key of 43):
// on a served run's texts (its events, three node traces, inputs, outputs and the answer), and on a
// 60 KB pipeline document (what an eval's case run stores, redacted at each write). Beside it, the
// same rule searched stretch by stretch (one indexOf per 8 characters of each key), as the runner did
// before secret-pieces.ts. The benches that serve (serve, runner) set short stand-in keys, so they
// do not show this cost.
import { randomBytes } from 'node:crypto';
import { Redactor } from '../../apps/runner/src/http/secrets';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 9;
const key = (prefix: string, length: number) => prefix + randomBytes(length).toString('base64url').slice(0, length - prefix.length);
const SECRETS = [
  { name: 'OPENAI_API_KEY', value: key('sk-proj-', 164) },
  { name: 'ANTHROPIC_API_KEY', value: key('sk-ant-api03-', 108) },
  { name: 'FIREWORKS_API_KEY', value: key('fw_', 43) },
];

// A served run of the serve bench's pipeline (input → llm → output), as the store writes it and the route answers it.
const at = 1796507702618;
const SERVED_RUN_TEXTS = [
  JSON.stringify([
    { type: 'run.started', at, inputs: { question: 'question 500' } },
    ...['q', 'answer', 'out'].flatMap((nodeId) => [
      { type: 'node.started', nodeId, at, attempt: 1 },
      { type: 'node.completed', nodeId, at, durationMs: 0.01 },
    ]),
    { type: 'run.completed', at, durationMs: 24.28, outputs: { answer: 'question 500' } },
  ]),
  JSON.stringify({ id: 'answer', type: 'llm', status: 'succeeded', attempts: 1, startedAt: at, model: 'stub:model', usage: { promptTokens: 2, completionTokens: 2, totalTokens: 4 }, costUsd: null, inputs: { question: 'question 500' }, outputs: { text: 'question 500' }, durationMs: 24.19 }),
  JSON.stringify({ id: 'out', type: 'output', status: 'succeeded', attempts: 1, startedAt: at, inputs: { value: 'question 500' }, outputs: { value: 'question 500' }, durationMs: 0 }),
  JSON.stringify({ id: 'q', type: 'input', status: 'succeeded', attempts: 1, startedAt: at, inputs: {}, outputs: { value: 'question 500' }, durationMs: 0.01 }),
  JSON.stringify({ question: 'question 500' }),
  JSON.stringify({ answer: 'question 500' }),
  JSON.stringify({ id: '01a24833-dd5d-76c1-abc5-4e66d04b5989', object: 'chat.completion', created: 1796507688, model: 'served', choices: [{ index: 0, message: { role: 'assistant', content: 'question 500', refusal: null }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } }),
];
const DOCUMENT = JSON.stringify({
  format: 'patchbay.pipeline/v1',
  name: 'support',
  nodes: Array.from({ length: 300 }, (_, i) => ({ id: `n${i}`, type: 'llm', config: { model: 'fireworks:llama', apiKeyEnv: 'FIREWORKS_API_KEY', prompt: 'You are a helpful assistant. Answer the question carefully, with citations. '.repeat(2) } })),
});

/** The rule searched stretch by stretch: each secret's every 8 characters (as written and JSON-escaped) found by indexOf, masked in turn. */
function stretchByStretch(secrets: Array<{ value: string }>): (text: string) => string {
  const pieces = secrets.flatMap(({ value }) =>
    [...new Set([value, JSON.stringify(value).slice(1, -1)])].map((form) => Array.from({ length: form.length - 7 }, (_, j) => form.slice(j, j + 8))),
  );
  return (text) => {
    for (const form of pieces) {
      const spans: Array<[number, number]> = [];
      for (const piece of form) for (let i = text.indexOf(piece); i !== -1; i = text.indexOf(piece, i + 1)) spans.push([i, i + 8]);
      if (spans.length === 0) continue;
      spans.sort((a, b) => a[0] - b[0]);
      let out = '';
      let from = 0;
      let [start, end] = spans[0];
      for (const [s, e] of spans.slice(1)) {
        if (s <= end) end = Math.max(end, e);
        else [out, from, start, end] = [out + text.slice(from, start) + '[REDACTED]', end, s, e];
      }
      text = out + text.slice(from, start) + '[REDACTED]' + text.slice(end);
    }
    return text;
  };
}

/** Median µs per call of `work` over `texts` (each round `times` passes). */
function measure(work: (text: string) => string, texts: string[], times: number): number {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < times; i++) for (const text of texts) work(text);
    samples.push(((performance.now() - started) * 1000) / times);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

const ours = new Redactor(SECRETS).redact;
const before = stretchByStretch(SECRETS);
// Both mask alike: the same text out for a run with a key in it.
const leaked = SERVED_RUN_TEXTS[1].replace('question 500', `key ${SECRETS[0].value.slice(20, 60)}`);
if (ours(leaked) !== before(leaked) || ours(leaked).includes(SECRETS[0].value.slice(20, 28))) throw new Error('the two maskings differ');
measure(ours, SERVED_RUN_TEXTS, 2000);
measure(before, SERVED_RUN_TEXTS, 200);
const servedRunUs = measure(ours, SERVED_RUN_TEXTS, quick ? 500 : 5000);
const servedRunBeforeUs = measure(before, SERVED_RUN_TEXTS, quick ? 50 : 500);
const documentUs = measure(ours, [DOCUMENT], quick ? 10 : 100);
const documentBeforeUs = measure(before, [DOCUMENT], quick ? 2 : 20);

console.log(`Secret masking with three keys of real lengths (164, 108, 43 characters), µs of CPU\n`);
console.log('text                                   patchbay   stretch by stretch');
console.log(`a served run's 7 texts (${SERVED_RUN_TEXTS.join('').length} chars)      ${servedRunUs.toFixed(1).padStart(8)} ${servedRunBeforeUs.toFixed(1).padStart(20)}`);
console.log(`a pipeline document (${DOCUMENT.length} chars)     ${documentUs.toFixed(0).padStart(8)} ${documentBeforeUs.toFixed(0).padStart(20)}`);
console.log(JSON.stringify({ bench: 'redact', servedRunUs: +servedRunUs.toFixed(1), servedRunBeforeUs: +servedRunBeforeUs.toFixed(1), documentUs: Math.round(documentUs), documentBeforeUs: Math.round(documentBeforeUs), documentChars: DOCUMENT.length }));
