import path from 'node:path';
import { CREDENTIAL_NAME, holdsKey } from './credentials';
import { ONLY_ENV_REFERENCES } from './env-references';
import { httpHeadersPath } from './http-headers-path';
import { resolveConfigPath, WorkspaceConfigError, type WorkspaceConfig } from './workspace-config';

export interface ShareConfigOptions {
  /** The data dir relative paths resolve against when the config has no file. */
  dataDir: string;
  /** Secret values of the publishing process (provider keys, the token): none may appear anywhere in the config. */
  secrets?: Array<{ name: string; value: string }>;
}

/**
 * The workspace config as it is published to a shared store for every worker
 * (#16.5). Only environment variable NAMES may live there, so a config that
 * holds a secret is refused (WorkspaceConfigError, one line per problem, each
 * naming its JSON path): an MCP server's `env` or `headers` value, or a tools.http.headers value whose header
 * says it is a credential (`Authorization`, `X-Api-Key`; not `Accept`) or that looks like a key, that is not `${NAME}` references, a URL with a password, or the value of a secret of
 * this process anywhere. Relative paths are resolved against the config file's
 * folder (a SQL tool's `database`; a stdio MCP server's `cwd`, which its
 * relative command and arguments are read against), so the published config
 * means the same files on every machine: they must exist there at those paths.
 */
export function shareableConfig(config: WorkspaceConfig, options: ShareConfigOptions): WorkspaceConfig {
  const problems: string[] = [];
  const shared = sharedForm(config, options.dataDir, (problem) => void problems.push(problem));
  for (const found of secretsIn(shared, options.secrets ?? [])) problems.push(`${found.path}: holds the value of ${found.name}; name the variable instead (e.g. "apiKeyEnv" or "\${${found.name}}")`);
  if (problems.length > 0) throw new WorkspaceConfigError(config.configPath ?? path.join(options.dataDir, 'patchbay.config.json'), problems);
  return shared;
}

/** What stands for a literal value in maskedSharedConfig. */
export const LITERAL_MASK = '(a literal value)';

/**
 * The config in its shared form, with what shareableConfig refuses masked instead of refused: each literal
 * MCP `env` or `headers` value becomes LITERAL_MASK and a URL loses its password. Fine in one process, such
 * a config says which workspace an eval ran in (its hash is stored with the eval) without a secret's value
 * in what is hashed: a hash of a weak password beside the rest of a known config could be guessed back.
 */
export function maskedSharedConfig(config: WorkspaceConfig, dataDir: string): WorkspaceConfig {
  return sharedForm(config, dataDir, () => LITERAL_MASK);
}

/**
 * The shared form: no file path, relative paths resolved against the config's folder. Each literal the
 * shared form may not hold is told to `literal` with the problem it is; what it returns takes its place.
 */
function sharedForm(config: WorkspaceConfig, dataDir: string, literal: (problem: string) => string | void): WorkspaceConfig {
  const { configPath: _file, ...shared } = structuredClone(config);
  for (const [name, server] of Object.entries(shared.mcpServers ?? {})) {
    const [field, record] = 'url' in server ? (['headers', server.headers] as const) : (['env', server.env] as const);
    for (const [key, value] of Object.entries(record ?? {})) {
      if (ONLY_ENV_REFERENCES.test(value)) continue;
      const masked = literal(`mcpServers.${name}.${field}.${key}: a literal value cannot be shared with workers; write "\${NAME}" and set NAME in each process's environment`);
      if (masked !== undefined) record![key] = masked;
    }
    if ('url' in server) server.url = withoutPassword(server.url, `mcpServers.${name}.url`, literal);
    else server.cwd = resolveConfigPath(config, dataDir, server.cwd ?? '.');
  }
  for (const [host, headers] of Object.entries(shared.tools?.http?.headers ?? {})) {
    for (const [key, value] of Object.entries(headers)) {
      // `Accept`, an API version: settings, which every worker may read. A credential is named by its header
      // (config-secrets.ts), or, under a header no pattern knows (`X-Honeycomb-Team`), looks like a key.
      if (ONLY_ENV_REFERENCES.test(value) || !(CREDENTIAL_NAME.test(key) || holdsKey(value))) continue;
      const masked = literal(`${httpHeadersPath(host, key)}: a literal value cannot be shared with workers; write "\${NAME}" and set NAME in each process's environment`);
      if (masked !== undefined) headers[key] = masked;
    }
  }
  for (const [name, provider] of Object.entries(shared.providers ?? {})) if (provider.baseURL) provider.baseURL = withoutPassword(provider.baseURL, `providers.${name}.baseURL`, literal);
  for (const tool of shared.tools?.sql ?? []) tool.database = resolveConfigPath(config, dataDir, tool.database);
  return shared;
}

/**
 * `text` as it is, or (a URL with a password, or a user alone, which is a token: told to `literal`, which masks it)
 * without its password, or its token.
 */
function withoutPassword(text: string, where: string, literal: (problem: string) => string | void): string {
  const url = new URL(text);
  if (!url.password && !url.username) return text;
  if (literal(`${where}: a URL with a password cannot be shared with workers; put the credential in an environment variable`) === undefined) return text;
  if (url.password) url.password = '';
  else url.username = '';
  return url.toString();
}

/** Every string of `value` that holds one of `secrets`, with its JSON path; walked without recursion. */
function secretsIn(value: unknown, secrets: Array<{ name: string; value: string }>): Array<{ path: string; name: string }> {
  const found: Array<{ path: string; name: string }> = [];
  const usable = secrets.filter((s) => s.value.length >= 8);
  if (usable.length === 0) return found;
  const stack: Array<{ path: string[]; value: unknown }> = [{ path: [], value }];
  while (stack.length > 0) {
    const { path: at, value: v } = stack.pop()!;
    if (typeof v === 'string') {
      const secret = usable.find((s) => v.includes(s.value));
      if (secret) found.push({ path: at.join('.') || '(top level)', name: secret.name });
    } else if (v && typeof v === 'object') {
      // Keys are part of the file too.
      for (const [k, child] of Object.entries(v)) stack.push({ path: [...at, k], value: child }, { path: [...at, k], value: k });
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}
