import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { launchChromium } from './browser';
import { startEditorServer } from './runner';

export interface EditorSession {
  server: Awaited<ReturnType<typeof startEditorServer>>;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** A JSON call to the runner's API: the parsed answer, or an Error naming the call and the problem. */
  api(method: string, path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

/**
 * What most browser tests start with: a real runner serving the built editor
 * (temp data dir), the runner's API for seeding, and one headless Chromium page.
 * `seed` runs against the API before the browser starts.
 */
export async function startEditorSession(options: { seed?: (api: EditorSession['api']) => Promise<void>; clipboard?: boolean } = {}): Promise<EditorSession> {
  const server = await startEditorServer();
  const api = server.api;
  try {
    await options.seed?.(api);
  } catch (err) {
    await server.close();
    throw err;
  }
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  return {
    server,
    browser,
    context,
    page,
    api,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** input → llm (offline:echo) → output, named `name`; the prompt decides what the answer says. */
export function qaPipeline(prompt: string, name = 'qa'): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'question', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
      { id: 'answer', type: 'llm', position: { x: 320, y: 0 }, config: { model: 'offline:echo', prompt } },
      { id: 'result', type: 'output', position: { x: 640, y: 0 }, config: { name: 'answer' } },
    ],
    edges: [
      { from: 'question.value', to: 'answer.question' },
      { from: 'answer.text', to: 'result.value' },
    ],
  };
}
