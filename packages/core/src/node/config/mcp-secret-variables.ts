import type { WorkspaceConfig } from './workspace-config';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The environment variables the config hands to MCP servers as `${NAME}` in an
 * `env` value or a header: credentials by design (`Bearer ${GITHUB_TOKEN}`), so
 * their values are masked like provider keys wherever a server's answer or
 * error carries them.
 */
export function mcpSecretVariables(config: WorkspaceConfig): string[] {
  const names = new Set<string>();
  for (const server of Object.values(config.mcpServers ?? {})) {
    const values = 'url' in server ? Object.values(server.headers ?? {}) : Object.values(server.env ?? {});
    for (const value of values) for (const [, name] of String(value).matchAll(REFERENCE)) names.add(name);
  }
  return [...names];
}
