import { z } from 'zod';
import { defineNode, type ConfigIssue } from './types';
import { PipelineRefSchema } from '../compose/pipeline-ref';
import { evaluateExpression, expressionIssues } from './jsonata-expression';
import { renderTemplate, templateIssue } from './template-variables';
import { syntaxIssues } from './code';
import { summaryLines, summaryText } from './summary-text';
import { itemInputs, itemResult, runItems, type ItemBody } from './map-items';

/** The most items a map node may be allowed. */
const MAX_ITEMS = 100_000;

export const MapConfig = z.object({
  ref: PipelineRefSchema.optional().describe('A stored pipeline run once per item (NAME, NAME@vN, NAME@LABEL); or give an expression'),
  expression: z.string().min(1).optional().describe('Or a body run per item: JSONata (`$` is the item), a Liquid template or JavaScript of `value`'),
  language: z.enum(['jsonata', 'template', 'code']).default('jsonata').describe('What `expression` is written in'),
  concurrency: z.number().int().min(1).max(64).default(4).describe('Items run at once; maps nested in its items share this bound'),
  onError: z.enum(['fail', 'skip', 'collect']).default('fail').describe('fail: the node fails; skip: failed items are dropped; collect: each result is {ok, value | error}'),
  maxItems: z.number().int().min(1).max(MAX_ITEMS).default(1_000).describe('More items than this is refused'),
});
export type MapConfig = z.infer<typeof MapConfig>;

/** Per-item time limit of a `code` body (the sandbox must stop by itself). */
const CODE_ITEM_TIMEOUT_MS = 1_000;

/**
 * Runs a body once per item of a list, a bounded number at a time; results
 * come back in input order. The body is a stored pipeline (an object item
 * feeds its inputs by name, any item feeds a one-input pipeline whole) or an
 * expression of the item.
 */
export const mapNode = defineNode<MapConfig>({
  type: 'map',
  title: 'Map',
  description: 'Runs a pipeline or an expression once per item of a list; results in input order',
  category: 'logic',
  configSchema: MapConfig,
  codeFields: ['expression'],
  childRefs: (config) => (config.ref ? [config.ref] : []),
  summary: (config) =>
    summaryLines(
      { label: 'each item', text: summaryText(config.ref) },
      { label: typeof config.language === 'string' ? config.language : 'jsonata', text: summaryText(config.expression), code: true },
      { label: 'on error', text: config.onError === 'skip' || config.onError === 'collect' ? config.onError : '' },
    ),
  inputs: () => [{ name: 'items', type: 'json', description: 'A list' }],
  outputs: () => [{ name: 'results', type: 'json', description: 'One result per item, in input order' }],
  check(config) {
    const issues: ConfigIssue[] = [];
    if ((config.ref === undefined) === (config.expression === undefined)) {
      issues.push({ path: config.ref === undefined ? ['expression'] : ['ref'], message: 'give either "ref" (a stored pipeline) or "expression", not both or neither' });
    } else if (config.expression !== undefined) {
      if (config.language === 'jsonata') issues.push(...expressionIssues(config.expression, ['expression']));
      else if (config.language === 'template') issues.push(...templateIssue(config.expression, 'expression'));
      else issues.push(...syntaxIssues(config.expression, 'expression'));
    }
    return issues;
  },
  async run(inputs, config, ctx) {
    const items = inputs.items;
    if (!Array.isArray(items)) throw new Error(`items must be a list, got ${items === null ? 'null' : typeof items}`);
    if (items.length > config.maxItems) {
      const advice = config.maxItems < MAX_ITEMS ? `; raise maxItems (at most ${MAX_ITEMS}) or split the list` : ', its most; split the list';
      throw new Error(`items has ${items.length} entries, more than maxItems (${config.maxItems})${advice}`);
    }
    const body: ItemBody = config.ref !== undefined ? pipelineBody(config.ref, ctx) : expressionBody(config, ctx);
    return { results: await runItems(items, body, config, ctx) };
  },
});

function pipelineBody(ref: string, ctx: Parameters<typeof mapNode.run>[2]): ItemBody {
  const child = ctx.pipelines.get(ref);
  if (!child) throw new Error(`pipeline "${ref}" is not resolved for this run`);
  return async (item, _index, signal, itemSlots) => {
    const result = await ctx.pipelines.run(ref, itemInputs(item, child.inputs), { signal, itemSlots });
    if (result.status !== 'succeeded') return { error: result.error ?? `the run ${result.status}`, usage: result.usage, costUsd: result.costUsd };
    return { value: itemResult(result.outputs), usage: result.usage, costUsd: result.costUsd };
  };
}

function expressionBody(config: MapConfig, ctx: Parameters<typeof mapNode.run>[2]): ItemBody {
  const source = config.expression!;
  switch (config.language) {
    case 'template':
      return async (item, index, signal) => {
        const vars = item !== null && typeof item === 'object' && !Array.isArray(item) ? { ...item, item, index } : { item, index };
        return { value: await renderTemplate(source, vars, signal, ctx.deadline, ctx.templates) };
      };
    case 'code':
      // The item's second is for its own work: a wait for a sandbox worker (behind this map's other items,
      // `concurrency` of them at once) does not spend it. The node's timeoutMs and a cancel still end a wait.
      return async (item, _index, signal) => ({
        value: (await ctx.sandbox.run(source, item ?? null, { timeoutMs: CODE_ITEM_TIMEOUT_MS, maxWaitMs: Number.POSITIVE_INFINITY, signal })) ?? null,
      });
    default:
      return async (item, _index, signal) => ({ value: (await evaluateExpression(source, item, signal, ctx.deadline)) ?? null });
  }
}
