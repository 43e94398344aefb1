// `node --import tsx bench/evals/provider-cpu.ts [CALLS] [ROUNDS]`: CPU time per model call along the
// provider path, layer by layer, against the evals stub in its own process (20 ms latency, 32 in flight):
//   provider  our createOpenAICompatibleProvider, each call with a caller's signal (as an eval's are)
//   providerNoSignal  the same provider, no caller's signal (so no per-call signal of ours: call-signal.ts)
//   sdk       the openai client alone on the same undici fetch and pool (no wrapper, no signal)
//   fetch     undici's fetch alone: the same JSON body, a per-call signal, `.json()` on the reply
//   request   undici's request() on the same kind of pool: the cheapest client undici offers
// Rounds alternate between the layers (and reverse order every other round) so the drift of a shared
// machine falls on all of them; the median per layer is printed. CPU time (process.cpuUsage), not
// wall time: on a loaded machine the wall clock says more about the neighbours than about us.
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch, request as undiciRequest } from 'undici';
import { createOpenAICompatibleProvider } from '@patchbay/core/node';
import { startStubProcess } from './stub-process';

const CALLS = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 12);
const WARM_UP = 2000;
const CONCURRENCY = 32;

type Ask = (question: string) => Promise<string>;
const bodyOf = (question: string) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: question }], temperature: 0 });

const stub = await startStubProcess(20);
const url = `${stub.url}/chat/completions`;
const callerSignal = new AbortController().signal;
// One signal for every call in flight, as an eval's: its listeners come and go with the calls.
setMaxListeners(0, callerSignal);
const provider = createOpenAICompatibleProvider({ name: 'stub', baseURL: stub.url, defaultPrice: { input: 0, output: 0 } });
const client = new OpenAI({ baseURL: stub.url, apiKey: 'unused', fetch: undiciFetch as unknown as typeof fetch, fetchOptions: { dispatcher: new Agent({ keepAliveTimeout: 30_000 }) } });
const fetchPool = new Agent({ keepAliveTimeout: 30_000 });
const requestPool = new Agent({ keepAliveTimeout: 30_000 });

const layers: Record<string, Ask> = {
  provider: async (q) => (await provider.chat('m', { model: 'stub:m', messages: [{ role: 'user', content: q }], temperature: 0 }, { signal: callerSignal })).text,
  providerNoSignal: async (q) => (await provider.chat('m', { model: 'stub:m', messages: [{ role: 'user', content: q }], temperature: 0 })).text,
  sdk: async (q) => (await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: q }], temperature: 0 })).choices[0]?.message.content ?? '',
  fetch: async (q) => {
    const response = await undiciFetch(url, { method: 'POST', dispatcher: fetchPool, signal: new AbortController().signal, headers: { 'content-type': 'application/json' }, body: bodyOf(q) });
    return ((await response.json()) as OpenAI.ChatCompletion).choices[0]?.message.content ?? '';
  },
  request: async (q) => {
    const response = await undiciRequest(url, { method: 'POST', dispatcher: requestPool, headers: { 'content-type': 'application/json' }, body: bodyOf(q) });
    return ((await response.body.json()) as OpenAI.ChatCompletion).choices[0]?.message.content ?? '';
  },
};

/** CPU µs per call for `calls` calls at CONCURRENCY; throws unless every reply echoed its question. */
async function round(ask: Ask, calls: number): Promise<number> {
  let next = 0;
  let echoed = 0;
  const start = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < calls) {
      const question = `question ${next++} about things`;
      if ((await ask(question)) === question) echoed++;
    }
  }));
  const used = process.cpuUsage(start);
  if (echoed !== calls) throw new Error(`${echoed} of ${calls} replies echoed their question`);
  return (used.user + used.system) / calls;
}

try {
  const names = Object.keys(layers);
  for (const name of names) await round(layers[name], WARM_UP);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const loadBefore = os.loadavg()[0];
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 ? [...names].reverse() : names) samples[name].push(await round(layers[name], CALLS));
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
  };
  const result = Object.fromEntries(names.map((name) => [`${name}CpuUs`, Math.round(median(samples[name]))]));
  for (const name of names) console.log(`${name.padEnd(16)} ${String(result[`${name}CpuUs`]).padStart(5)} µs CPU per call (median of ${ROUNDS} rounds of ${CALLS})`);
  const loadAverage = Number(((loadBefore + os.loadavg()[0]) / 2).toFixed(2));
  console.log(JSON.stringify({ ...result, calls: CALLS, rounds: ROUNDS, loadAverage, node: process.version }));
} finally {
  stub.stop();
}
