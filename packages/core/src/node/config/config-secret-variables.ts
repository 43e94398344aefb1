import { envReferenceNames } from './env-references';
import type { WorkspaceConfig } from './workspace-config';

/**
 * The environment variables the config hands out as `${NAME}`: in an MCP server's `env` value or header, and in
 * tools.http.headers. Credentials by design (`Bearer ${GITHUB_TOKEN}`), so their values are masked like provider
 * keys wherever a server's answer or error carries them.
 */
export function configSecretVariables(config: WorkspaceConfig): string[] {
  const values: string[] = [];
  for (const server of Object.values(config.mcpServers ?? {})) values.push(...Object.values(('url' in server ? server.headers : server.env) ?? {}));
  for (const headers of Object.values(config.tools?.http?.headers ?? {})) values.push(...Object.values(headers));
  const names = new Set<string>();
  for (const value of values) for (const name of envReferenceNames(String(value))) names.add(name);
  return [...names];
}
