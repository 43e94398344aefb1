import { z } from '@hono/zod-openapi';

/**
 * The sampling and other request fields of a chat completion that a pipeline takes and leaves to its own nodes
 * (docs/deploy.md): checked for their type and OpenAI's simple ranges all the same, so a client that sends
 * `temperature: "hot"` hears of its mistake (400 at `temperature`) as OpenAI would tell it, rather than
 * learning it only when it points the same code at a model. Each says what it takes in one line; null is taken
 * where OpenAI takes it.
 */

const number = (field: string, min: number, max: number) => {
  const error = `${field} is a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error }).nullable().optional();
};

const tokens = (field: string) => {
  const error = `${field} is a whole number of tokens, 1 or more`;
  return z.number({ error }).int({ error }).min(1, { error }).nullable().optional();
};

const text = (field: string) => z.string({ error: `${field} is a string` }).nullable().optional();

const flag = (field: string) => z.boolean({ error: `${field} is true or false` }).nullable().optional();

const STOP_ERROR = 'stop is a string or a list of up to 4 strings';
const LOGIT_BIAS_ERROR = 'logit_bias is an object of token ids to numbers from -100 to 100';

export const chatSamplingFields = {
  temperature: number('temperature', 0, 2),
  top_p: number('top_p', 0, 1),
  presence_penalty: number('presence_penalty', -2, 2),
  frequency_penalty: number('frequency_penalty', -2, 2),
  max_tokens: tokens('max_tokens'),
  max_completion_tokens: tokens('max_completion_tokens'),
  stop: z
    .union([z.string(), z.array(z.string({ error: STOP_ERROR })).max(4, { error: STOP_ERROR })], { error: STOP_ERROR })
    .nullable()
    .optional(),
  seed: z.number({ error: 'seed is a whole number' }).int({ error: 'seed is a whole number' }).nullable().optional(),
  logit_bias: z
    .record(z.string(), z.number({ error: LOGIT_BIAS_ERROR }).min(-100, { error: LOGIT_BIAS_ERROR }).max(100, { error: LOGIT_BIAS_ERROR }), { error: LOGIT_BIAS_ERROR })
    .nullable()
    .optional(),
  user: text('user'),
  service_tier: text('service_tier'),
  reasoning_effort: text('reasoning_effort'),
  store: flag('store'),
  parallel_tool_calls: flag('parallel_tool_calls'),
  // Taken and never called (a framework that always sends them is answered as without them); a list all the same.
  tools: z.array(z.unknown(), { error: 'tools is a list of tools' }).nullable().optional(),
};
