import type { WorkspaceConfig } from '../config/workspace-config';
import { splitModelName } from '../../nodes/model-name';
import { envPrefix, OFFLINE_MODELS, providerNames, resolveProvider } from './presets';

/**
 * Why a model cannot be called in this workspace right now, or null when it
 * can: a name without `<provider>:`, a provider nobody configured, a hosted
 * provider whose key variable is unset, an `offline` model that does not
 * exist. The same reasons a call would fail with, found before any call (an
 * eval refuses to start rather than fail every case the same way).
 */
export function modelUnavailable(name: string, config: WorkspaceConfig, env: NodeJS.ProcessEnv): string | null {
  let provider: string;
  let model: string;
  try {
    ({ provider, model } = splitModelName(name));
  } catch (err) {
    return (err as Error).message;
  }
  if (provider === 'offline') {
    return OFFLINE_MODELS.includes(model) ? null : `"${name}": the offline provider has no model "${model}" (it has ${OFFLINE_MODELS.join(', ')})`;
  }
  const settings = providerNames(config, env).includes(provider) ? resolveProvider(provider, config, env) : undefined;
  if (!settings) {
    return `unknown model provider "${provider}" in "${name}": use a preset (${providerNames({}, {}).join(', ')}), add it to the config's providers, or set ${envPrefix(provider)}_BASE_URL`;
  }
  if (settings.needsKey && !settings.apiKey) return `set ${settings.keyVariable} to use ${name}`;
  return null;
}
