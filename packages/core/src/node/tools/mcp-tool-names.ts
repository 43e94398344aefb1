import { createHash } from 'node:crypto';
import type { ToolProblem } from '../../engine/services';

/** What function-calling APIs accept as a tool name (OpenAI: `^[a-zA-Z0-9_-]{1,64}$`; Anthropic alike). */
const VALID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_LENGTH = 64;

export interface NamedMcpTool<T extends { server: string; name: string }> {
  /** The name the tool is listed and called by. */
  listed: string;
  tool: T;
}

/**
 * The names MCP tools are offered by. A tool keeps its own name when that is a valid function
 * name no other tool has; otherwise it becomes `<server>__<tool>`, characters outside
 * [A-Za-z0-9_-] mapped to `_`, a name past 64 characters cut to 55 plus `_` and 8 hex of a hash of
 * the real server and tool (so it is the same on every run). Names that still coincide (servers
 * `my.srv` and `my_srv` both listing `search`; a prefixed name a workspace tool already has) are
 * left out, each with a reason: a call must never reach a server silently chosen among several. A name
 * one server lists twice is kept once (see onceEach).
 */
export function nameMcpTools<T extends { server: string; name: string }>(listed: T[], taken: (name: string) => boolean): { named: NamedMcpTool<T>[]; problems: ToolProblem[] } {
  const problems: ToolProblem[] = [];
  const { tools, repeated } = onceEach(listed);
  const counts = new Map<string, number>();
  for (const t of tools) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const candidates = tools.map((tool) => {
    const own = VALID.test(tool.name) && !taken(tool.name) && counts.get(tool.name) === 1;
    return { tool, listed: own ? tool.name : fit(`${clean(tool.server)}__${clean(tool.name)}`, tool) };
  });
  const byName = new Map<string, typeof candidates>();
  for (const c of candidates) byName.set(c.listed, [...(byName.get(c.listed) ?? []), c]);
  for (const { tool, listed } of candidates) {
    const count = repeated.get(tool);
    if (count) problems.push({ servers: [tool.server], name: listed, message: `MCP server "${tool.server}" lists tool "${tool.name}" ${count} times; the first listing is offered` });
  }
  const named: NamedMcpTool<T>[] = [];
  for (const [listed, group] of byName) {
    const sources = group.map((c) => `tool "${c.tool.name}" of MCP server "${c.tool.server}"`);
    const servers = [...new Set(group.map((c) => c.tool.server))];
    const leftOut = (message: string) => problems.push({ servers, name: listed, message });
    if (taken(listed)) leftOut(`${sources.join(' and ')} left out: "${listed}" is already a workspace tool`);
    else if (servers.length === 1 && group.length > 1) {
      // One server's own names, e.g. `a.b` and `a:b`: renaming the server would not part them.
      const names = group.map((c) => `"${c.tool.name}"`);
      leftOut(`tools ${names.join(' and ')} of MCP server "${servers[0]}" left out: both would be "${listed}", as a tool name holds only A-Z, a-z, 0-9, _ and -`);
    } else if (group.length > 1) leftOut(`${sources.join(' and ')} left out: both would be "${listed}" (rename a server)`);
    else named.push(group[0]);
  }
  return { named, problems };
}

/**
 * A server that lists a name more than once gets it once, as first listed: a call by that name reaches the same
 * server and tool whichever listing it came from, so there is nothing to tell apart (the first listing's schema
 * checks the arguments; the server checks them again).
 */
function onceEach<T extends { server: string; name: string }>(tools: T[]): { tools: T[]; repeated: Map<T, number> } {
  const byKey = new Map<string, { first: T; count: number }>();
  for (const t of tools) {
    const key = JSON.stringify([t.server, t.name]);
    const seen = byKey.get(key);
    if (seen) seen.count++;
    else byKey.set(key, { first: t, count: 1 });
  }
  const repeated = new Map([...byKey.values()].filter((v) => v.count > 1).map((v) => [v.first, v.count]));
  return { tools: [...byKey.values()].map((v) => v.first), repeated };
}

function clean(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

function fit(name: string, tool: { server: string; name: string }): string {
  if (name.length <= MAX_LENGTH) return name;
  const hash = createHash('sha256').update(`${tool.server}\0${tool.name}`).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_LENGTH - 9)}_${hash}`;
}
