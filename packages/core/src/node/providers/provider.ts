import type { ChatOptions, ChatRequest, ChatResult } from '../../engine/services';

/**
 * One model provider (the part before `:` in `"<provider>:<model>"`). `model` is
 * the part after the first colon; `request.model` keeps the full name.
 * createModelService() dispatches to providers by name. Keep this small: the
 * offline provider, the OpenAI-compatible one and the response cache all fit it.
 */
export interface Provider {
  chat(model: string, request: ChatRequest, options?: ChatOptions): Promise<ChatResult>;
  embed(model: string, texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}
