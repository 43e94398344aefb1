import type { MiddlewareHandler } from 'hono';
import { DomainError } from '../domain-errors';

/** Values shorter than this are not treated as secrets: redacting "x" everywhere would garble every response. */
const MIN_SECRET_LENGTH = 8;
const MASK = '[REDACTED]';

/** Environment variables whose values are secrets: every `*_API_KEY`, the runner's own token, and names the config adds. */
export function secretEnvNames(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): string[] {
  return Object.keys(env).filter((name) => /_API_KEY$/.test(name) || name === 'PATCHBAY_TOKEN' || extraNames.includes(name));
}

/**
 * Keeps secret values out of responses, logs and the database. Replaces each
 * value as written and as it appears inside a JSON string (escaped), so it
 * can be applied to serialized JSON without breaking it.
 */
export class Redactor {
  private readonly secrets: { name: string; forms: string[] }[];

  constructor(secrets: { name: string; value: string }[]) {
    this.secrets = secrets
      .filter((s) => s.value.length >= MIN_SECRET_LENGTH)
      .map((s) => ({ name: s.name, forms: [...new Set([s.value, JSON.stringify(s.value).slice(1, -1)])] }));
  }

  static fromEnv(env: NodeJS.ProcessEnv, extraNames: readonly string[] = [], extraValues: string[] = []): Redactor {
    const secrets = secretEnvNames(env, extraNames).map((name) => ({ name, value: env[name] ?? '' }));
    return new Redactor([...secrets, ...extraValues.map((value) => ({ name: 'token', value }))]);
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  redact = (text: string): string => {
    for (const { forms } of this.secrets) {
      for (const form of forms) if (text.includes(form)) text = text.split(form).join(MASK);
    }
    return text;
  };

  /** The first place a secret value occurs in a JSON value: `{path, name}` of the variable, never the value. */
  find(value: unknown, path = '$'): { path: string; name: string } | undefined {
    if (!this.active) return undefined;
    if (typeof value === 'string') {
      const hit = this.secrets.find((s) => s.forms.some((f) => value.includes(f)));
      return hit ? { path, name: hit.name } : undefined;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = this.find(value[i], `${path}[${i}]`);
        if (found) return found;
      }
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        const found = this.find(key, path) ?? this.find(inner, `${path}.${key}`);
        if (found) return found;
      }
    }
    return undefined;
  }
}

/**
 * `secret-in-document` (a 400) when `value` (a request body, or the part of it at
 * `at`) holds a secret's value: whatever is stored (a pipeline, an index, a
 * dataset) must never carry a key. `advice` ends the message.
 */
export function refuseSecretValues(redactor: Redactor, value: unknown, at: string, advice: string): void {
  const secret = redactor.find(value, at);
  if (!secret) return;
  throw new DomainError('secret-in-document', `${secret.path} holds the value of ${secret.name}; ${advice}`, {
    errors: [{ path: secret.path, message: `holds the value of ${secret.name}` }],
  });
}

/**
 * Masks secrets in every JSON body the routes render, as they serialize it:
 * `c.json` is replaced for the request, so the text is scanned once and no
 * response is read back and rebuilt. Installed only when a secret is set.
 * Problem responses are masked where they are made (see app.ts).
 */
export function redactJsonResponses(redactor: Redactor): MiddlewareHandler {
  return async (c, next) => {
    const body = c.body as (data: string, arg?: unknown, headers?: unknown) => Response;
    c.json = ((object: unknown, arg?: unknown, headers?: unknown) => {
      c.header('content-type', 'application/json');
      return body(redactor.redact(JSON.stringify(object)), arg, headers);
    }) as never;
    await next();
  };
}
