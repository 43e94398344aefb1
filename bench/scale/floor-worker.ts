// The thinnest queue worker on the libraries Patchbay scales out with (a BullMQ worker on Redis, the
// `openai` client): each job is one chat completion against the stub, nothing recorded. bench/scale runs
// 1 and 4 of these beside Patchbay's workers, so a run shows the speedup any BullMQ worker reaches on
// this machine. Argv: REDIS_URL QUEUE CONCURRENCY; STUB_BASE_URL in the environment.
import { Worker } from 'bullmq';
import OpenAI from 'openai';

const [url, queue, concurrency] = process.argv.slice(2);
const upstream = new OpenAI({ baseURL: process.env.STUB_BASE_URL, apiKey: 'bench', maxRetries: 0 });
const worker = new Worker(
  queue,
  async (job) => {
    const reply = await upstream.chat.completions.create({ model: 'stub', messages: [{ role: 'user', content: job.data.question }] });
    return reply.choices[0].message.content;
  },
  { connection: { url }, concurrency: Number(concurrency), skipVersionCheck: true },
);
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
await worker.waitUntilReady();
console.log('taking jobs');
