import { z } from 'zod';
import type { CallRecord, NodeContext } from '../engine/context';
import type { ChatMessage, ChatRequest, ChatResult } from '../engine/services';

export const ModelNameSchema = z
  .string()
  // an empty field is one reason, not two
  .min(1, { error: 'Choose a model.', abort: true })
  .regex(/^[^:\s]+:\S/, 'A model is named "<provider>:<model>", e.g. "offline:extractive".');

/** The system (when given) and user messages of an `llm` or `agent` node. */
export function promptMessages(system: string | undefined, prompt: string): ChatMessage[] {
  return system ? [{ role: 'system', content: system }, { role: 'user', content: prompt }] : [{ role: 'user', content: prompt }];
}

/**
 * One model call from a node: streams tokens as node events and reports model,
 * usage and cost, plus the call record when `step` is given (the agent's steps,
 * whose tokens carry it) in the same report: the engine adds usage and cost once
 * per report; the call's own usage is there for reading, not to add again.
 */
export async function callModel(
  ctx: NodeContext,
  request: ChatRequest,
  step?: number,
): Promise<{ result: ChatResult; call: CallRecord }> {
  const started = performance.now();
  const result = await ctx.models.chat(request, {
    signal: ctx.signal,
    onToken: (text) => ctx.emit(step === undefined ? { type: 'token', text } : { type: 'token', text, step }),
  });
  const call: CallRecord = {
    kind: 'model',
    name: result.model,
    output: {
      text: result.text,
      ...(result.toolCalls.length ? { toolCalls: result.toolCalls.map(({ name, arguments: args }) => ({ name, arguments: args })) } : {}),
    },
    durationMs: Math.round(performance.now() - started),
    usage: result.usage,
    costUsd: result.costUsd,
  };
  ctx.report({ model: result.model, usage: result.usage, costUsd: result.costUsd, finishReason: result.finishReason, ...(step === undefined ? {} : { call }) });
  return { result, call };
}
