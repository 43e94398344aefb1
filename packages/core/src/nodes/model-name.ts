// Model names ("<provider>:<model>"), read the same way by the providers and by node cards.

/** The parts of a model name, or undefined when it is not `<provider>:<model>` (split at the FIRST colon: model ids may hold colons and slashes). */
export function parseModelName(name: string): { provider: string; model: string } | undefined {
  const colon = name.indexOf(':');
  if (colon <= 0 || colon === name.length - 1) return undefined;
  return { provider: name.slice(0, colon), model: name.slice(colon + 1) };
}

/** The parts of a model name; throws a one-line reason when it is not `<provider>:<model>`. */
export function splitModelName(name: string): { provider: string; model: string } {
  const parts = parseModelName(name);
  if (!parts) throw new Error(`model "${name}" must be named "<provider>:<model>", e.g. "offline:echo"`);
  return parts;
}

/**
 * The model as a card shows it: the last segment of its id
 * (`fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct` → `llama-v3p1-8b-instruct`).
 * Offline models keep their provider, so they never pass for a language model.
 */
export function shortModelName(name: string): string {
  const parts = parseModelName(name);
  if (!parts) return name;
  if (parts.provider === 'offline') return name;
  return parts.model.split('/').filter(Boolean).pop() ?? parts.model;
}
