import { z } from 'zod';
import { defineNode, type ConfigIssue } from './types';
import { summaryLines, summaryText } from './summary-text';
import { PortNameSchema, duplicateNameIssues } from './port-name';
import { evaluateExpression, expressionIssues, isTruthy } from './jsonata-expression';

export const RouteSchema = z.object({
  port: PortNameSchema.describe('The output port this route sends the value to'),
  when: z.string().min(1).describe('JSONata condition with the value as `$`, e.g. `$.amount > 100`'),
});

/** Routes a router's card lists; the rest are counted. */
const ROUTES_SHOWN = 3;

export const RouterConfig = z.object({
  routes: z.array(RouteSchema).describe('Checked in order; the first whose condition is true takes the value'),
});
export type RouterConfig = z.infer<typeof RouterConfig>;

/**
 * Sends its value down exactly one branch: the first route whose condition holds,
 * else `default`. Only that port is in the result; the engine skips the others.
 */
export const routerNode = defineNode<RouterConfig>({
  type: 'router',
  title: 'Router',
  description: 'Sends the value to the first route whose condition holds, else to default',
  category: 'logic',
  configSchema: RouterConfig,
  codeFields: ['routes.when'],
  inputs: () => [{ name: 'value', type: 'any' }],
  outputs: (config) => [...config.routes.map((r) => ({ name: r.port, type: 'any' as const })), { name: 'default', type: 'any' }],
  check(config) {
    const issues: ConfigIssue[] = duplicateNameIssues(
      config.routes.map((r) => r.port),
      'routes',
      { key: 'port', reserved: ['default'] },
    );
    config.routes.forEach((route, i) => issues.push(...expressionIssues(route.when, ['routes', i, 'when'])));
    return issues;
  },
  // a condition per port, in the order they are tried; a long list ends with how many more
  summary(config) {
    const routes = Array.isArray(config.routes) ? config.routes.filter((r) => r && typeof r === 'object') : [];
    const shown = routes.slice(0, ROUTES_SHOWN).map((r) => ({ label: summaryText(r.port) || '?', text: summaryText(r.when), code: true }));
    const more = routes.length - shown.length;
    return summaryLines(...shown, { label: 'routes', text: more > 0 ? `+${more} more` : '' });
  },
  async run(inputs, config, ctx) {
    for (const route of config.routes) {
      if (await isTruthy(await evaluateExpression(route.when, inputs.value, ctx.signal, ctx.deadline))) return { [route.port]: inputs.value };
    }
    return { default: inputs.value };
  },
});
