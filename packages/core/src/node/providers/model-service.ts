import type { ModelService } from '../../engine/services';
import type { Provider } from './provider';

/** Splits `"provider:model"` at the FIRST colon (model ids may hold colons and slashes). */
export function splitModelName(name: string): { provider: string; model: string } {
  const colon = name.indexOf(':');
  if (colon <= 0 || colon === name.length - 1) {
    throw new Error(`model "${name}" must be named "<provider>:<model>", e.g. "offline:echo"`);
  }
  return { provider: name.slice(0, colon), model: name.slice(colon + 1) };
}

/** A ModelService that sends each call to the provider named before the colon. */
export function createModelService(providers: Record<string, Provider>): ModelService {
  const providerFor = (name: string) => {
    const { provider, model } = splitModelName(name);
    if (!Object.hasOwn(providers, provider)) {
      const configured = Object.keys(providers).sort().join(', ') || '(none)';
      throw new Error(`unknown model provider "${provider}" in "${name}"; configured: ${configured}`);
    }
    return { provider: providers[provider], model };
  };
  return {
    async chat(request, options) {
      const { provider, model } = providerFor(request.model);
      const result = await provider.chat(model, request, options);
      return { ...result, model: request.model };
    },
    async embed(name, texts, options) {
      const { provider, model } = providerFor(name);
      return provider.embed(model, texts, options);
    },
  };
}
