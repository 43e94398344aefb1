import { Liquid } from 'liquidjs';

/**
 * One Liquid engine for every template node: own-property access only and
 * render limits, so a template cannot reach prototypes or run away.
 */
export const liquid = new Liquid({
  ownPropertyOnly: true,
  strictFilters: true,
  parseLimit: 1_000_000,
  renderLimit: 2_000,
  memoryLimit: 64_000_000,
});

/** The top-level variables a template reads: they are its node's input ports. Throws on a syntax error. */
export function templateVariables(source: string): string[] {
  return liquid.globalVariablesSync(source).map(String).filter((name, i, all) => all.indexOf(name) === i);
}

/** Variables of several templates at once, in first-seen order; a template that does not parse adds none. */
export function variablesOf(...sources: (string | undefined)[]): string[] {
  const names: string[] = [];
  for (const source of sources) {
    if (!source) continue;
    try {
      for (const name of templateVariables(source)) if (!names.includes(name)) names.push(name);
    } catch {
      // check() reports the syntax error; ports stay empty until it is fixed
    }
  }
  return names;
}

/** Syntax check used by node types' check(). */
export function templateIssue(source: string | undefined, field: string): { path: string[]; message: string }[] {
  if (!source) return [];
  try {
    liquid.parse(source);
    return [];
  } catch (err) {
    return [{ path: [field], message: `template does not parse: ${(err as Error).message.split('\n')[0]}` }];
  }
}

export async function renderTemplate(source: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
  signal?.throwIfAborted();
  return liquid.parseAndRender(source, variables);
}
