import { baseURLSecrets } from '../providers/presets';
import { CREDENTIAL_NAME, headerCredentials, holdsKey, urlCredentials } from './credentials';
import { httpHeadersPath } from './http-headers-path';
import type { WorkspaceConfig } from './workspace-config';

/**
 * Every secret value the workspace config holds or makes, by where it is (never what it is): the credentials of
 * the providers' base URLs (from the config or `<NAME>_BASE_URL`) and the credentials written literally in it.
 * The config should name variables (`apiKeyEnv`, `${NAME}`), but a literal works in one process (only
 * `serve --queue` refuses one), so the redactor masks each as it masks a key.
 */
export function configSecrets(config: WorkspaceConfig, env: NodeJS.ProcessEnv): Array<{ name: string; value: string }> {
  const found = [...baseURLSecrets(config, env), ...literalConfigSecrets(config)];
  return found.filter((s, i) => found.findIndex((t) => t.value === s.value) === i);
}

/**
 * The credentials written literally in the config: an MCP server's URL (password, `?token=`), the literal part of
 * a header (an MCP server's, or tools.http.headers') or `env` value whose name says it is a credential (`Authorization`, `X-Api-Key`, `GITHUB_TOKEN`; not
 * `Accept`, `LOG_LEVEL`) or whose value looks like a key whatever its header's name (`X-Honeycomb-Team: hcaik_…`, as serve --queue refuses it), and a stdio server's argument after such a flag (`--token X`, `--api-key=X`).
 */
export function literalConfigSecrets(config: WorkspaceConfig): Array<{ name: string; value: string }> {
  const secrets: Array<{ name: string; value: string }> = [];
  for (const [server, settings] of Object.entries(config.mcpServers ?? {})) {
    const at = `mcpServers.${server}`;
    if ('url' in settings) {
      secrets.push(...urlCredentials(`the credential in the config's ${at}.url`, settings.url));
      for (const [header, value] of Object.entries(settings.headers ?? {})) if (CREDENTIAL_NAME.test(header) || holdsKey(value)) secrets.push(...literalParts(`${at}.headers.${header}`, value));
    } else {
      for (const [variable, value] of Object.entries(settings.env ?? {})) if (CREDENTIAL_NAME.test(variable)) secrets.push(...literalParts(`${at}.env.${variable}`, value));
      const args = settings.args ?? [];
      args.forEach((arg, i) => {
        const flag = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(arg);
        if (!flag || !CREDENTIAL_NAME.test(flag[1])) return;
        const value = flag[2] ?? args[i + 1];
        if (value !== undefined) secrets.push(...literalParts(`${at}.args[${flag[2] === undefined ? i + 1 : i}]`, value));
      });
    }
  }
  for (const [host, headers] of Object.entries(config.tools?.http?.headers ?? {})) {
    for (const [header, value] of Object.entries(headers)) if (CREDENTIAL_NAME.test(header) || holdsKey(value)) secrets.push(...literalParts(httpHeadersPath(host, header), value));
  }
  return secrets;
}

const literalParts = (where: string, value: string) => headerCredentials(`the literal credential at the config's ${where}`, value);
