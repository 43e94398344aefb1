import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

// The editor bundles @patchbay/core (node types, validation) for the browser, where a Node module is a stub
// that throws when used: node:v8 in the JSONata regex engine made the editor's main chunk throw at load.
// esbuild (tsx's bundler, in the tree) refuses any Node built-in on platform "browser" and names the importer.
it('the browser entry, which the editor bundles, imports no Node built-in', async () => {
  const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const problems = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' }).then(
    () => [],
    (err: { errors: { text: string; location: { file: string } | null }[] }) => err.errors.map((e) => `${e.location?.file}: ${e.text}`),
  );
  expect(problems).toEqual([]);
});
