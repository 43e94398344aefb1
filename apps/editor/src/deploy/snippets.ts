import { labelProblem } from '@patchbay/core';

/**
 * Ready-to-copy calls of a deployed label through the runner's OpenAI-compatible endpoint
 * (docs/deploy.md). The key is read from an environment variable: a snippet names the
 * variable, never holds a key.
 */
export interface SnippetTarget {
  /** This runner's `/v1`, e.g. `http://127.0.0.1:8787/v1`. */
  baseUrl: string;
  /** `NAME@LABEL`, as `/v1/chat/completions` takes it. */
  model: string;
  /** The environment variable that holds a serving key (`pbk_…`) or the token. */
  keyEnv: string;
  /** The user message (it reaches the pipeline's one required string input). */
  message: string;
}

export const KEY_ENV = 'PATCHBAY_KEY';

/**
 * The `/v1` model that calls what `label` points at: `NAME@LABEL`. A label core's rule refuses (digits only, made
 * by an older runner) cannot be called so — /v1 reads `NAME@7` as version 7 and answers 404 — and can never move
 * again, so its version by number, `NAME@vN`, calls the same; `byVersion` says so.
 */
export function labelModel(name: string, label: string, version: number): { model: string; byVersion: boolean } {
  return labelProblem(label) ? { model: `${name}@v${version}`, byVersion: true } : { model: `${name}@${label}`, byVersion: false };
}

/** The OpenAI-compatible base URL of the runner that serves this page. */
export const v1BaseUrl = (origin: string) => `${origin.replace(/\/$/, '')}/v1`;

const json = (value: unknown) => JSON.stringify(value);
/** A JSON string literal that also reads as a Python one (no key or message holds a backslash escape Python reads otherwise). */
const pyString = (value: string) => JSON.stringify(value);
/** A single-quoted TypeScript string. */
const tsString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** A single-quoted shell word (a ' inside ends the quote, adds \', and reopens it). */
const shellWord = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export function curlSnippet(t: SnippetTarget): string {
  const body = json({ model: t.model, messages: [{ role: 'user', content: t.message }] });
  return [
    `curl ${shellWord(`${t.baseUrl}/chat/completions`)} \\`,
    `  -H "Authorization: Bearer $${t.keyEnv}" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellWord(body)}`,
  ].join('\n');
}

export function pythonSnippet(t: SnippetTarget): string {
  return [
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${pyString(t.baseUrl)}, api_key=os.environ[${pyString(t.keyEnv)}])`,
    'reply = client.chat.completions.create(',
    `    model=${pyString(t.model)},`,
    `    messages=[{"role": "user", "content": ${pyString(t.message)}}],`,
    ')',
    'print(reply.choices[0].message.content)',
  ].join('\n');
}

export function typescriptSnippet(t: SnippetTarget): string {
  return [
    "import OpenAI from 'openai';",
    '',
    `const client = new OpenAI({ baseURL: ${tsString(t.baseUrl)}, apiKey: process.env.${t.keyEnv} });`,
    'const reply = await client.chat.completions.create({',
    `  model: ${tsString(t.model)},`,
    `  messages: [{ role: 'user', content: ${tsString(t.message)} }],`,
    '});',
    'console.log(reply.choices[0].message.content);',
  ].join('\n');
}
