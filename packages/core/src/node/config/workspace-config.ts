import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { timeLimitMs } from '../../schema/time-limit';
import { quotedKey } from '../../graph/json-path';
import { jsonSyntaxProblem } from './json-syntax-problem';
import { looksLikeKey } from './key-like';
import { ENV_NAME, envReferenceNames } from './env-references';
import { regexProblem } from '../../nodes/linear-regex';
import { parseHeaderOrigin } from '../tools/header-origins';
import { httpHeadersPath } from './http-headers-path';

/**
 * `patchbay.config.json`: the one workspace file for providers, prices, tools,
 * MCP servers, the http allowlist and `offline:scripted` rules. It never holds
 * a secret: a provider names the environment variable of its key (`apiKeyEnv`).
 * Objects are strict so a misspelt field is reported, not silently ignored.
 */

export const CONFIG_FILE_NAME = 'patchbay.config.json';

const positiveInt = z.number().int().positive();
const toolName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'a tool name is letters, digits, _ or -, starting with a letter or _');
// An offline:scripted rule's pattern matches messages users write: in linear time, or refused (linear-regex.ts).
const regex = z.string().superRefine((source, ctx) => {
  let pattern: RegExp;
  try {
    pattern = new RegExp(source);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a valid regular expression' });
    return;
  }
  const problem = regexProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const KEY_PASTED =
  'this looks like a key, not the name of a variable: a key never goes in the config; set "apiKeyEnv" to the name of the environment variable that holds it, such as MY_GATEWAY_KEY';

const KEY_IN_REFERENCE =
  '${…} holds what looks like a key, not the name of a variable: give the name of the environment variable that holds it, such as ${GITHUB_TOKEN}';

export const ProviderConfigSchema = z.strictObject({
  /** Overrides the preset's URL (and `<NAME>_BASE_URL`). */
  baseURL: z.url().optional(),
  /** Name of the environment variable that holds the key, e.g. `MY_GATEWAY_KEY`. Never the key. */
  apiKeyEnv: z
    .string()
    // A key pasted here would be listed as a variable name: say so, never repeating it.
    .refine((name) => !looksLikeKey(name), { message: KEY_PASTED, abort: true })
    .regex(ENV_NAME, 'an environment variable name')
    .optional(),
  /** Models offered in the editor's picker. */
  models: z.array(z.string().min(1)).optional(),
  timeoutMs: timeLimitMs().optional(),
  maxRetries: z.number().int().min(0).max(10).optional(),
});

/** USD per 1M tokens. */
export const PriceSchema = z.strictObject({ input: z.number().min(0), output: z.number().min(0) });

export const CustomToolSchema = z.strictObject({
  name: toolName,
  description: z.string(),
  /** JSON Schema of the arguments object. */
  parameters: z.record(z.string(), z.unknown()),
  /** Body of a synchronous JavaScript function of `args`, run in the QuickJS sandbox. */
  code: z.string().min(1),
  timeoutMs: timeLimitMs().optional(),
});

export const SqlToolSchema = z.strictObject({
  name: toolName,
  description: z.string().optional(),
  /** SQLite file, relative to the config file. */
  database: z.string().min(1),
  /** Longest a query may run when its node sets no timeoutMs. Default 30000. */
  timeoutMs: timeLimitMs().optional(),
});

export const HttpToolSchema = z.strictObject({
  /** Hosts the http_request tool may reach even when they resolve to private or loopback addresses. */
  allowHosts: z.array(z.string().min(1)).optional(),
  timeoutMs: timeLimitMs().optional(),
  maxBytes: positiveInt.optional(),
  /** The methods http_request may use (its JSON Schema offers these). Default GET and POST. */
  methods: z.array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])).min(1).optional(),
  /**
   * Headers sent with every request to an origin (header-origins.ts: `host` is https on 443 only, plain http is
   * written `http://host:port`), `${NAME}` read from the environment:
   * an API's credential without it in a pipeline, a model's arguments or a trace.
   */
  headers: z
    .record(z.string().min(1), z.record(z.string().min(1), z.string()))
    .superRefine((hosts, ctx) => {
      for (const [host, headers] of Object.entries(hosts)) {
        // A key that names no origin would match no request, and its credential would silently never be sent.
        const origin = parseHeaderOrigin(host);
        if (typeof origin === 'string') ctx.addIssue({ code: 'custom', path: [host], message: origin });
        for (const [name, value] of Object.entries(headers)) if (keyInReference(value)) ctx.addIssue({ code: 'custom', path: [host, name], message: KEY_IN_REFERENCE });
      }
    })
    .optional(),
});

export const McpServerSchema = z
  .union([
    z.strictObject({
      command: z.string().min(1),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      cwd: z.string().optional(),
    }),
    z.strictObject({
      url: z.url(),
      headers: z.record(z.string(), z.string()).optional(),
    }),
  ])
  .superRefine((server, ctx) => {
    // `${KEY}` with a key pasted in it reads as a variable's name, and "environment variable … is not set" would quote it.
    const [field, values] = 'url' in server ? ['headers', server.headers] : ['env', server.env];
    for (const [name, value] of Object.entries(values ?? {})) {
      if (keyInReference(value)) ctx.addIssue({ code: 'custom', path: [field, name], message: KEY_IN_REFERENCE });
    }
  });

function keyInReference(value: string): boolean {
  return envReferenceNames(value).some(looksLikeKey);
}

export const ScriptedRuleSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']).optional(),
  match: regex,
  reply: z.string().optional(),
  toolCalls: z
    .array(z.strictObject({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()) }))
    .optional(),
});

export const WorkspaceConfigSchema = z.strictObject({
  /** JSON Schema reference for editors; ignored. */
  $schema: z.string().optional(),
  providers: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a provider name is lower-case letters, digits, _ or -'), ProviderConfigSchema).optional(),
  /** Keyed `provider:model`. Overrides the built-in table. */
  prices: z.record(z.string().regex(/^[^:]+:.+$/, 'a price key is "provider:model"'), PriceSchema).optional(),
  tools: z
    .strictObject({
      custom: z.array(CustomToolSchema).optional(),
      sql: z.array(SqlToolSchema).optional(),
      http: HttpToolSchema.optional(),
    })
    .optional(),
  mcpServers: z.record(z.string().min(1), McpServerSchema).optional(),
  scripted: z.array(ScriptedRuleSchema).optional(),
  cache: z
    .strictObject({
      /** false turns the response cache off for the whole workspace. Default true. */
      enabled: z.boolean().optional(),
      /** Also cache calls whose temperature is not 0. Default false. */
      anyTemperature: z.boolean().optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      /** Largest JSON size of one node's (or tool call's) output; past it the node fails. Default 10 MB. */
      maxOutputBytes: positiveInt.optional(),
    })
    .optional(),
  retention: z
    .strictObject({
      /** Raw runs (traces, events) older than this many days are deleted; monitoring rollups stay. Default: keep every run. */
      runsDays: z.number().positive().optional(),
    })
    .optional(),
});

/** `limits.maxOutputBytes` unless set: 10 MB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

export function maxOutputBytes(config: WorkspaceConfig): number {
  return config.limits?.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
}

export type WorkspaceConfig = z.infer<typeof WorkspaceConfigSchema> & {
  /** Absolute path of the file this was read from; unset for the empty default. Relative paths in it resolve against its folder. */
  configPath?: string;
};
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
export type McpServerConfig = z.infer<typeof McpServerSchema>;
export type ScriptedRule = z.infer<typeof ScriptedRuleSchema>;
export type CustomToolConfig = z.infer<typeof CustomToolSchema>;
export type SqlToolConfig = z.infer<typeof SqlToolSchema>;

/** A config file that cannot be used; `problems` are `path: message` lines; the message is `file: path: message` per line. */
export class WorkspaceConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    // One line per problem, each naming the file: a caller that keeps only the first line still says what is wrong.
    super(problems.map((problem) => `${file}: ${problem}`).join('\n'));
    this.name = 'WorkspaceConfigError';
  }
}

/** Parses an already-read value; throws WorkspaceConfigError naming each bad path. */
export function parseWorkspaceConfig(value: unknown, file = CONFIG_FILE_NAME): WorkspaceConfig {
  const parsed = WorkspaceConfigSchema.safeParse(value);
  if (!parsed.success) throw new WorkspaceConfigError(file, parsed.error.issues.map(describeIssue));
  return parsed.data;
}

/**
 * Reads `configPath` (must exist) or `<dataDir>/patchbay.config.json` (may be
 * missing: then the empty config).
 */
export function loadWorkspaceConfig(options: { dataDir: string; configPath?: string }): WorkspaceConfig {
  const file = path.resolve(options.configPath ?? path.join(options.dataDir, CONFIG_FILE_NAME));
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !options.configPath) return {};
    // `--data notes.txt`: say what is wrong with the data dir rather than quote ENOTDIR on a file inside it.
    if (code === 'ENOTDIR' && !options.configPath) throw new WorkspaceConfigError(file, [`the data dir ${path.resolve(options.dataDir)} is a file, not a directory (pass --data DIR)`]);
    // `--config .patchbay` (the data dir for its config): say so rather than quote EISDIR.
    if (code === 'EISDIR') throw new WorkspaceConfigError(file, ['a directory, not a workspace config file (give its patchbay.config.json)']);
    throw new WorkspaceConfigError(file, [code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}`]);
  }
  let json: unknown;
  // A byte order mark (Notepad, PowerShell's Out-File) is no part of the JSON.
  const source = text.replace(/^\uFEFF/, '');
  try {
    json = JSON.parse(source);
  } catch (err) {
    throw new WorkspaceConfigError(file, [jsonSyntaxProblem(source, err as Error)]);
  }
  return { ...parseWorkspaceConfig(json, file), configPath: file };
}

/** Resolves a path written in the config (e.g. a SQL tool's database) against the config file's folder. */
export function resolveConfigPath(config: WorkspaceConfig, dataDir: string, relative: string): string {
  return path.resolve(config.configPath ? path.dirname(config.configPath) : dataDir, relative);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const [tools, http, headers, origin, ...rest] = issue.path.map(String);
  const where =
    tools === 'tools' && http === 'http' && headers === 'headers' && origin !== undefined
      ? [httpHeadersPath(origin), ...rest].join('.')
      : issue.path.length
        ? issue.path.map(String).join('.')
        : '(top level)';
  return `${where}: ${shortMessage(issue)}`;
}

function shortMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'unrecognized_keys':
      if (issue.keys.some((k) => /^api[-_]?key$/i.test(k))) {
        return 'a key never goes in the config: set "apiKeyEnv" to the name of the environment variable that holds it';
      }
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(quotedKey).join(', ')}`;
    case 'invalid_key':
      return `bad name: ${issue.issues[0] ? shortMessage(issue.issues[0] as z.core.$ZodIssue) : issue.message}`;
    case 'invalid_union':
      return 'expected either {command, args?, env?, cwd?} or {url, headers?}';
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}
