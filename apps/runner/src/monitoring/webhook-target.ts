import { ONE_ENV_REFERENCE } from '@patchbay/core/node';
import { webhookHostProblem } from './webhook-address';

/**
 * Where an alert rule's `webhook` posts. A webhook URL is often its own
 * credential (Slack's and Discord's carry their token in the path), so a rule
 * may give `${NAME}` instead: a variable of the runner's environment that holds
 * the URL. Only the name is stored, shown and recorded with each delivery; the
 * URL is read when an alert is posted.
 */
export const WEBHOOK_FORMAT = "an http(s) URL, or ${NAME}: a variable of the runner's environment that holds one";
export const WEBHOOK_PASSWORD =
  "a URL with a password would be stored and shown as written: put the URL in a variable of the runner's environment and give ${NAME}";

const httpUrl = (text: string): URL | null => {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
};

/** Why `webhook` as written can never be a target (checked with the rule, before the environment is looked at). */
export function webhookFormatProblem(webhook: string): string | null {
  if (ONE_ENV_REFERENCE.test(webhook)) return null;
  const url = httpUrl(webhook);
  if (!url) return WEBHOOK_FORMAT;
  return url.password ? WEBHOOK_PASSWORD : webhookHostProblem(url);
}

/**
 * The URL to post to (with the variable it was read from), or why there is none in this environment
 * (one line, naming the variable, never its value).
 */
export function resolveWebhook(webhook: string, env: NodeJS.ProcessEnv): { url: string; variable?: string } | { problem: string } {
  const name = ONE_ENV_REFERENCE.exec(webhook)?.[1];
  if (name === undefined) return { url: webhook };
  const value = env[name];
  if (!value) return { problem: `the runner's environment has no variable ${name}: set it to the webhook's URL where patchbay serve starts (then restart it), or give the URL itself` };
  if (!httpUrl(value)) return { problem: `the variable ${name} does not hold an http(s) URL` };
  return { url: value, variable: name };
}

/**
 * Why `${NAME}` may not be a target though this environment sets it: the URL it holds is one
 * webhookFormatProblem refuses written out (a metadata address). Null for a URL as written (the rule's
 * schema checks it) and for a variable that is unset (resolveWebhook says why).
 */
export function webhookVariableProblem(webhook: string, env: NodeJS.ProcessEnv): string | null {
  const target = resolveWebhook(webhook, env);
  if ('problem' in target || target.variable === undefined) return null;
  return webhookHostProblem(new URL(target.url), target.variable);
}
