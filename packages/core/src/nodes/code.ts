import { z } from 'zod';
import { defineNode, type ConfigIssue } from './types';
import { summaryLines, summaryText } from './summary-text';

export const CodeConfig = z.object({
  code: z.string().min(1).describe('Body of a synchronous JavaScript function of `value`, e.g. `return value * 3`'),
  timeoutMs: z.number().int().min(1).max(60_000).default(1_000).describe('Longest the code may run'),
});
export type CodeConfig = z.infer<typeof CodeConfig>;

/** Runs a small JavaScript function of `value` in the QuickJS sandbox; what it returns is `value`. */
export const codeNode = defineNode<CodeConfig>({
  type: 'code',
  title: 'Code',
  description: 'Runs JavaScript on the value in a sandbox (no network, files or host objects)',
  category: 'data',
  configSchema: CodeConfig,
  codeFields: ['code'],
  inputs: () => [{ name: 'value', type: 'any' }],
  outputs: () => [{ name: 'value', type: 'json' }],
  check: (config) => syntaxIssues(config.code),
  summary: (config) => summaryLines({ label: 'code', text: summaryText(config.code), code: true }),
  async run(inputs, config, ctx) {
    // The code holds the thread, so the node's own timeoutMs cannot cut in: the sandbox must stop by then.
    const own = config.timeoutMs ?? 1_000;
    const timeoutMs = ctx.deadline === undefined ? own : Math.min(own, Math.max(1, Math.round(ctx.deadline - Date.now())));
    const result = await ctx.sandbox.run(config.code, inputs.value ?? null, { timeoutMs, signal: ctx.signal, onWaiting: (waiting) => ctx.report({ waiting }) });
    return { value: result ?? null };
  },
});

/**
 * Syntax check without running anything: the Function constructor only parses
 * the body here (the sandbox runs it). Where a content policy forbids it, skip.
 */
export function syntaxIssues(code: string, field = 'code'): ConfigIssue[] {
  try {
    new Function('value', code);
    return [];
  } catch (err) {
    if (err instanceof SyntaxError) return [{ path: [field], message: `code does not parse: ${err.message}` }];
    return [];
  }
}
