import type { WorkspaceConfig } from '../config/workspace-config';
import { displayBaseURL } from './base-url';
import { urlCredentials } from '../config/credentials';
import type { ModelKind } from '../../nodes/types';
import { modelKindsOf } from './model-kinds';
import { OFFLINE_CHAT_MODELS, OFFLINE_EMBEDDING_MODELS } from './offline';
import { createThreadedProvider, modelThread } from './model-thread';
import { createOpenAICompatibleProvider } from './openai-compatible';
import { pricesForProvider, type Price } from './prices';
import type { Provider } from './provider';

/** OpenAI-compatible services known by name (DESIGN.md). */
export interface ProviderPreset {
  baseURL: string;
  needsKey: boolean;
  /** Runs on your own machine: no per-token price, so cost is 0 rather than unknown. */
  local?: boolean;
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
}

export const PROVIDER_PRESETS: Readonly<Record<string, ProviderPreset>> = {
  fireworks: { baseURL: 'https://api.fireworks.ai/inference/v1', needsKey: true },
  openai: { baseURL: 'https://api.openai.com/v1', needsKey: true, maxTokensParam: 'max_completion_tokens' },
  ollama: { baseURL: 'http://localhost:11434/v1', needsKey: false, local: true },
  vllm: { baseURL: 'http://localhost:8000/v1', needsKey: false, local: true },
  together: { baseURL: 'https://api.together.xyz/v1', needsKey: true },
  groq: { baseURL: 'https://api.groq.com/openai/v1', needsKey: true },
  openrouter: { baseURL: 'https://openrouter.ai/api/v1', needsKey: true },
};

/** The models of the built-in `offline` provider (no network, no key; not a language model). */
export const OFFLINE_MODELS: readonly string[] = [...OFFLINE_CHAT_MODELS, ...OFFLINE_EMBEDDING_MODELS];

/** What the editor's model picker and `GET /api/providers` see: never a key. */
export interface ProviderInfo {
  name: string;
  baseURL: string | null;
  /** Name of the environment variable the key is read from (null for offline). */
  keyVariable: string | null;
  hasKey: boolean;
  needsKey: boolean;
  /** Usable now: offline, a key is set, or none is needed. */
  ready: boolean;
  models?: string[];
  /** What each listed model can be called for (chat, embedding, tool-calling): the pickers filter by it. */
  modelKinds?: Record<string, ModelKind[]>;
  offline: boolean;
}

/** A networked provider's settings after presets, config and environment are combined. */
export interface ResolvedProvider {
  name: string;
  baseURL: string;
  keyVariable: string;
  apiKey?: string;
  needsKey: boolean;
  local: boolean;
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
  timeoutMs?: number;
  maxRetries?: number;
  models?: string[];
}

/** `fireworks` → `FIREWORKS`, `my-gateway` → `MY_GATEWAY`. */
export function envPrefix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Every networked provider name available: presets, providers in the config,
 * and any `<NAME>_BASE_URL` in the environment (as lower-case `name`).
 */
export function providerNames(config: WorkspaceConfig, env: NodeJS.ProcessEnv): string[] {
  const names = new Set([...Object.keys(PROVIDER_PRESETS), ...Object.keys(config.providers ?? {})]);
  for (const [key, value] of Object.entries(env)) {
    const match = /^([A-Z][A-Z0-9_]*)_BASE_URL$/.exec(key);
    if (match && value) names.add(match[1].toLowerCase());
  }
  names.delete('offline');
  return [...names].sort();
}

/**
 * Base URL: `<NAME>_BASE_URL` > config `baseURL` > preset. Key: the variable
 * named by config `apiKeyEnv`, else `<NAME>_API_KEY`. Undefined when the name
 * has no URL anywhere.
 */
export function resolveProvider(name: string, config: WorkspaceConfig, env: NodeJS.ProcessEnv): ResolvedProvider | undefined {
  const preset = Object.hasOwn(PROVIDER_PRESETS, name) ? PROVIDER_PRESETS[name] : undefined;
  const configured = config.providers && Object.hasOwn(config.providers, name) ? config.providers[name] : undefined;
  const prefix = envPrefix(name);
  const baseURL = env[`${prefix}_BASE_URL`] || configured?.baseURL || preset?.baseURL;
  if (!baseURL) return undefined;
  const keyVariable = configured?.apiKeyEnv ?? `${prefix}_API_KEY`;
  return {
    name,
    baseURL,
    keyVariable,
    apiKey: env[keyVariable] || undefined,
    // A named key variable means the server wants it; otherwise only hosted presets need one.
    needsKey: configured?.apiKeyEnv ? true : (preset?.needsKey ?? false),
    local: preset?.local ?? false,
    maxTokensParam: preset?.maxTokensParam,
    timeoutMs: configured?.timeoutMs,
    maxRetries: configured?.maxRetries,
    models: configured?.models,
  };
}

/**
 * The secrets in the providers' base URLs (`user:password@`, sent as `Authorization: Basic`; a `?key=` token), by
 * where they are: what the redactor masks beside the keys.
 */
export function baseURLSecrets(config: WorkspaceConfig, env: NodeJS.ProcessEnv): Array<{ name: string; value: string }> {
  return providerNames(config, env).flatMap((name) => {
    const p = resolveProvider(name, config, env);
    return p ? urlCredentials(`the credential in ${name}'s base URL`, p.baseURL) : [];
  });
}

export function listProviders(config: WorkspaceConfig, env: NodeJS.ProcessEnv): ProviderInfo[] {
  const networked = providerNames(config, env).flatMap((name) => {
    const p = resolveProvider(name, config, env);
    if (!p) return [];
    const info: ProviderInfo = {
      name,
      baseURL: displayBaseURL(p.baseURL),
      keyVariable: p.keyVariable,
      hasKey: Boolean(p.apiKey),
      needsKey: p.needsKey,
      ready: Boolean(p.apiKey) || !p.needsKey,
      offline: false,
    };
    if (p.models) {
      info.models = p.models;
      info.modelKinds = modelKindsOf(name, p.models);
    }
    return [info];
  });
  const offline: ProviderInfo = {
    name: 'offline',
    baseURL: null,
    keyVariable: null,
    hasKey: false,
    needsKey: false,
    ready: true,
    models: [...OFFLINE_MODELS],
    modelKinds: modelKindsOf('offline', OFFLINE_MODELS),
    offline: true,
  };
  return [offline, ...networked];
}

/**
 * One lazy Provider per networked name. Nothing is contacted or checked until
 * a model of that provider is first used; then a missing key fails that call
 * with `set FIREWORKS_API_KEY to use fireworks:<model>`.
 */
export function createNetworkedProviders(config: WorkspaceConfig, env: NodeJS.ProcessEnv): Record<string, Provider> {
  const out: Record<string, Provider> = {};
  for (const name of providerNames(config, env)) {
    const settings = resolveProvider(name, config, env);
    if (settings) out[name] = lazyProvider(settings, pricesForProvider(name, config.prices), env);
  }
  return out;
}

/**
 * Starts the model thread and loads its modules ahead of the first model call, for a process that serves
 * (`serve`, `worker`): ~0.7 s that the first call would pay otherwise. Only where such a call is likely: a
 * networked provider is set up (a key, a base URL in the environment, or an entry in the config), not the
 * presets alone (ollama and vllm need nothing set, so every workspace has them); and not with
 * PATCHBAY_MODEL_THREAD=0. Resolves once loaded (at once when it does nothing); never rejects.
 */
export function warmModelThread(config: WorkspaceConfig, env: NodeJS.ProcessEnv): Promise<void> {
  if (env.PATCHBAY_MODEL_THREAD === '0') return Promise.resolve();
  const setUp = providerNames(config, env).some((name) => {
    const provider = resolveProvider(name, config, env);
    return provider && (provider.apiKey || env[`${envPrefix(name)}_BASE_URL`] || Object.hasOwn(config.providers ?? {}, name));
  });
  return setUp ? modelThread().warm() : Promise.resolve();
}

function lazyProvider(settings: ResolvedProvider, prices: Record<string, Price>, env: NodeJS.ProcessEnv): Provider {
  let real: Provider | undefined;
  const get = (model: string): Provider => {
    if (real) return real;
    if (settings.needsKey && !settings.apiKey) {
      throw new Error(`set ${settings.keyVariable} to use ${settings.name}:${model}`);
    }
    // On the model thread (model-thread.ts) unless PATCHBAY_MODEL_THREAD=0 keeps the calls on this one.
    const create = env.PATCHBAY_MODEL_THREAD === '0' ? createOpenAICompatibleProvider : createThreadedProvider;
    real = create({
      name: settings.name,
      baseURL: settings.baseURL,
      apiKey: settings.apiKey,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      prices,
      defaultPrice: settings.local ? { input: 0, output: 0 } : undefined,
      maxTokensParam: settings.maxTokensParam,
      env,
    });
    return real;
  };
  return {
    chat: async (model, request, options) => get(model).chat(model, request, options),
    embed: async (model, texts, options) => get(model).embed(model, texts, options),
  };
}
