import { z } from 'zod';
import { defineScorer } from './types';
import { parseVerdict } from './judge-verdict';
import { asText } from './values';

const DEFAULT_SYSTEM = `You are a strict evaluator. Grade the OUTPUT against the RUBRIC.
Reply with one JSON object and nothing else: {"score": <number from 0 to 1>, "pass": <true|false>, "reasoning": "<one or two sentences>"}`;

export const llmJudgeScorer = defineScorer({
  type: 'llm-judge',
  description: 'A judge model grades the target against a rubric; its reasoning is kept; an unreadable verdict is an error',
  defaultThreshold: 0.5,
  modelParams: [{ param: 'model', kind: 'chat' }],
  params: z.strictObject({
    rubric: z.string().min(1),
    model: z.string().regex(/^[^:]+:.+$/, 'a model is "<provider>:<model>"'),
    system: z.string().optional(),
    temperature: z.number().min(0).max(2).default(0),
    value: z.unknown().optional(),
  }),
  async score({ value, expected, params, case: c }, ctx) {
    const parts = [
      `RUBRIC:\n${params.rubric}`,
      `INPUT:\n${asText(c.input)}`,
      expected !== undefined ? `REFERENCE ANSWER:\n${asText(expected)}` : '',
      `OUTPUT:\n${asText(value)}`,
    ].filter(Boolean);
    const reply = await ctx.models.chat(
      {
        model: params.model,
        messages: [
          { role: 'system', content: params.system ?? DEFAULT_SYSTEM },
          { role: 'user', content: parts.join('\n\n') },
        ],
        temperature: params.temperature,
      },
      { signal: ctx.signal },
    );
    const verdict = parseVerdict(reply.text);
    if ('error' in verdict) {
      return { score: 0, reason: `unreadable verdict: ${reply.text.replace(/\s+/g, ' ').slice(0, 160)}`, error: `judge ${params.model}: ${verdict.error}` };
    }
    return { score: verdict.score, pass: verdict.pass, reason: verdict.reasoning || `score ${verdict.score}` };
  },
});
