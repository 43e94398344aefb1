import type { ToolSpec } from '../../engine/services';

/** One callable tool inside the tool service. `call` gets arguments already validated against `spec.parameters`. */
export interface Tool {
  spec: ToolSpec;
  /** Throws an Error whose message is the reason only; the service prefixes the tool's name. */
  call(args: Record<string, unknown>, options: { signal?: AbortSignal; deadline?: number }): Promise<unknown>;
}
