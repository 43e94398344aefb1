import { Liquid, type Template } from 'liquidjs';
import type { TemplateRenderer } from '../engine/services';
import { portNameLengthProblem } from '../schema/pipeline';

/**
 * One Liquid engine for every template node: own-property access only, render
 * limits and no file system, so a template cannot reach prototypes, run away,
 * or print a file of the runner's working directory (liquidjs reads
 * `{% include ".env" %}` from "." by default).
 */
const RENDER_LIMIT_MS = 2_000;
const NO_FILES = 'templates cannot read files: {% include %}, {% render %} and {% layout %} are not available';

const noFileSystem = {
  sep: '/',
  resolve: (_dir: string, file: string) => file,
  dirname: () => '',
  exists: async () => true,
  existsSync: () => true,
  readFile: async (): Promise<string> => {
    throw new Error(NO_FILES);
  },
  readFileSync: (): string => {
    throw new Error(NO_FILES);
  },
};

/**
 * `{{ value }}` of an object or a list prints its JSON: Liquid's own "[object Object]" (and "12" for [1, 2])
 * would go into a prompt unseen. Each value is written once per render, so a loop printing a big object
 * repeats one string (as it does a big string) instead of making a new one every time.
 */
const printedJson = new WeakMap<object, WeakMap<object, string>>();
// Typed as liquidjs wants (a string); any other value goes back as it came and prints as before.
function printAsJson(this: { context?: object }, value: any): string {
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value; // a Liquid drop prints itself
  const key = this?.context ?? printedJson;
  let seen = printedJson.get(key);
  if (!seen) printedJson.set(key, (seen = new WeakMap()));
  let text = seen.get(value);
  if (text === undefined) seen.set(value, (text = JSON.stringify(value)));
  return text;
}

export const liquid = new Liquid({
  ownPropertyOnly: true,
  outputEscape: printAsJson,
  strictFilters: true,
  parseLimit: 1_000_000,
  renderLimit: RENDER_LIMIT_MS,
  memoryLimit: 64_000_000,
  fs: noFileSystem,
});

/** The file tags, told apart before parsing: their error would otherwise read as a syntax problem. */
const FILE_TAG = /\{%-?\s*(include|render|layout)\b/;

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

// What an edge end allows after the dot (EDGE_END_PATTERN): a variable outside it could never be wired.
const PORT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Syntax check used by node types' check(), plus variables whose names no edge can name (`{{ ["a b"] }}`). */
export function templateIssue(source: string | undefined, field: string): { path: string[]; message: string }[] {
  if (!source) return [];
  const fileTag = FILE_TAG.exec(source);
  if (fileTag) return [{ path: [field], message: `{% ${fileTag[1]} %}: ${NO_FILES}` }];
  let variables: string[];
  try {
    liquid.parse(source);
    variables = templateVariables(source);
  } catch (err) {
    return [{ path: [field], message: `template does not parse: ${(err as Error).message.split('\n')[0]}` }];
  }
  return variables.flatMap((name) => {
    const why = !PORT_NAME.test(name) ? 'use a name of letters, digits, _ or -' : portNameLengthProblem(name);
    const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
    return why ? [{ path: [field], message: `template variable ${shown} cannot be an input port; ${why}` }] : [];
  });
}

/** Parsed templates by source: parsing costs more than rendering, and a pipeline renders the same prompts on every run. */
const parsedTemplates = new Map<string, Template[]>();
const PARSED_TEMPLATE_LIMIT = 500;

function parsedTemplate(source: string): Template[] {
  let parsed = parsedTemplates.get(source);
  if (!parsed) {
    parsed = liquid.parse(source);
    if (parsedTemplates.size >= PARSED_TEMPLATE_LIMIT) parsedTemplates.delete(parsedTemplates.keys().next().value!);
    parsedTemplates.set(source, parsed);
  }
  return parsed;
}

/**
 * How long a render may hold the calling thread. DESIGN.md: nothing may hold the main thread for more
 * than ~100 ms; a template that needs more (a long loop) starts again on a worker thread with the rest
 * of its time, when the services have one (ctx.templates).
 */
export const MAIN_THREAD_RENDER_MS = 100;

/** Renders within the engine's render limit, or less when the node's `deadline` (epoch ms) comes first. */
export async function renderTemplate(
  source: string,
  variables: Record<string, unknown>,
  signal?: AbortSignal,
  deadline?: number,
  offThread?: TemplateRenderer,
): Promise<string> {
  signal?.throwIfAborted();
  // Rendering holds the thread, so the node's timeoutMs timer cannot cut in: give Liquid the time left.
  const left = deadline === undefined ? RENDER_LIMIT_MS : Math.min(RENDER_LIMIT_MS, Math.max(1, Math.round(deadline - Date.now())));
  const slice = offThread ? Math.min(left, MAIN_THREAD_RENDER_MS) : left;
  const started = performance.now();
  try {
    return renderWithin(source, variables, slice);
  } catch (err) {
    if (!offThread || slice === left || !isRenderLimit(err)) throw err;
  }
  // Rendering is deterministic (no clock, no files): the worker renders the same text again from the start.
  return offThread.render(source, variables, Math.max(1, Math.round(left - (performance.now() - started))), signal);
}

/**
 * A render on this thread within `limitMs`: renderTemplate's slice, and the worker thread's render.
 * Synchronous: no filter or tag here is async, and liquidjs's promise path costs more than the render itself.
 */
export function renderWithin(source: string, variables: Record<string, unknown>, limitMs: number): string {
  return liquid.renderSync(parsedTemplate(source), variables, { renderLimit: limitMs });
}

/** Liquid's error for a render past its time limit. */
function isRenderLimit(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith(RENDER_LIMIT_MESSAGE);
}
const RENDER_LIMIT_MESSAGE = 'template render limit exceeded';
