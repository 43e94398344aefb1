// The thinnest OpenAI-compatible proxy on the libraries Patchbay serves with (Hono on @hono/node-server,
// the `openai` client upstream): no pipeline, no store, no auth, no metrics. bench/serve drives it beside
// Patchbay so a run shows how much of the overhead any proxy on this machine pays, and how much is ours.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import OpenAI from 'openai';

const upstream = new OpenAI({ baseURL: process.env.STUB_BASE_URL, apiKey: 'bench', maxRetries: 0 });
const app = new Hono();
let served = 0;
app.post('/v1/chat/completions', async (c) => {
  const body = (await c.req.json()) as { model: string; messages: Array<{ content: string }> };
  const reply = await upstream.chat.completions.create({ model: 'stub', messages: [{ role: 'user', content: body.messages[body.messages.length - 1].content }] });
  return c.json({
    id: `floor-${served++}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: reply.choices[0].message.content }, finish_reason: 'stop' }],
    usage: reply.usage,
  });
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`floor proxy listening on http://127.0.0.1:${info.port}`));
// The bench stops it with SIGTERM: exit as a process does at its end, so `--cpu-prof` (BENCH_FLOOR_NODE_ARGS) writes its profile.
process.on('SIGTERM', () => process.exit(0));
