import type { ChatOptions, ModelService } from './services';

/**
 * The model service as seen by a run nobody listens to (no `onEvent`, e.g. an
 * eval case): token deltas would be dropped by the scheduler anyway, so they
 * are not asked for. A provider then answers in one response instead of a
 * stream, which costs a fraction of the CPU per call (no SSE parsing, no
 * per-chunk callbacks). Results are the same: text, usage and cost come from
 * the reply either way. Any other option (signal, a cache opt-in) passes on.
 */
export function tokenlessModels(models: ModelService): ModelService {
  return {
    chat(request, options?: ChatOptions) {
      if (!options?.onToken) return models.chat(request, options);
      const { onToken: _unheard, ...rest } = options;
      return models.chat(request, rest);
    },
    embed: (model, texts, options) => models.embed(model, texts, options),
  };
}
