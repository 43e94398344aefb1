import type { ModelService } from '../../engine/services';
import type { Provider } from './provider';
import { splitModelName } from '../../nodes/model-name';

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
