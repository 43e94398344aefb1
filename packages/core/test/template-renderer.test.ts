import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTemplateRenderer } from '../src/node/templates/template-renderer';

// The render thread failing to start, from real worker threads: tiny files standing in for a broken install.
const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-template-renderer-'));
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return pathToFileURL(path.join(dir, name));
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SLOW = '{% for i in (1..50) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}ok';

describe('template renderer: a render thread that stops before it is ready', () => {
  it('says in one line that the template could not be rendered because its render thread could not start, with the exit code', async () => {
    const renderer = createTemplateRenderer({ workerFile: file('exits.mjs', 'process.exit(3);') });
    try {
      const failed = await renderer.render(SLOW, {}, 10_000).catch((err: Error) => err);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toBe('the template could not be rendered: its render thread could not start (it exited with code 3 before it was ready)');
    } finally {
      await renderer.close();
    }
  });

  it('names what the thread threw while loading, in one line', async () => {
    const renderer = createTemplateRenderer({ workerFile: file('throws.mjs', "throw new Error('cannot load liquidjs\\n    at somewhere (file.mjs:1:1)');") });
    try {
      await expect(renderer.render(SLOW, {}, 10_000)).rejects.toThrow(
        /^the template could not be rendered: its render thread could not start \(cannot load liquidjs\)$/,
      );
    } finally {
      await renderer.close();
    }
  });

  it('says the runner is closing when it closes while the thread starts', async () => {
    const renderer = createTemplateRenderer();
    const rendering = renderer.render(SLOW, {}, 10_000);
    await new Promise((r) => setTimeout(r, 10));
    await renderer.close();
    await expect(rendering).rejects.toThrow(/^the template could not be rendered: the runner is closing$/);
  });

  it('renders on the real thread', async () => {
    const renderer = createTemplateRenderer();
    try {
      expect(await renderer.render(SLOW, {}, 10_000)).toBe('ok');
    } finally {
      await renderer.close();
    }
  });
});
