import type { ChatOptions, ModelService } from './services';

/**
 * The model service as seen by a run nobody listens to (no `onEvent`, e.g. an
 * eval case): token deltas would be dropped by the scheduler anyway, so they
 * are not asked for. A provider then answers in one response instead of a
 * stream, which costs a fraction of the CPU per call (no SSE parsing, no
 * per-chunk callbacks). Results are the same: text, usage and cost come from
 * the reply either way. Any other option (signal, a cache opt-in) passes on.
 */
const wrapped = new WeakSet<ModelService>();

/** True for a model service tokenlessModels made: wrapping it again would only cost. */
export function isTokenless(models: ModelService): boolean {
  return wrapped.has(models);
}

export function tokenlessModels(models: ModelService): ModelService {
  if (wrapped.has(models)) return models;
  const service: ModelService = {
    chat(request, options?: ChatOptions) {
      if (!options?.onToken) return models.chat(request, options);
      const { onToken: _unheard, ...rest } = options;
      return models.chat(request, rest);
    },
    embed: (model, texts, options) => models.embed(model, texts, options),
  };
  wrapped.add(service);
  return service;
}
