import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';

/** Where `npm run build -w @patchbay/editor` puts the editor. */
export const EDITOR_DIST = fileURLToPath(new URL('../../../editor/dist', import.meta.url));

const NOT_BUILT = `<!doctype html>
<meta charset="utf-8"><title>Patchbay</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#eee;padding:.1em .3em}</style>
<h1>Patchbay runner</h1>
<p>The API is up (see <a href="/api/docs">/api/docs</a>), but the editor has not been built yet.</p>
<p>Build it with <code>npm run build -w @patchbay/editor</code> and reload, or start everything with <code>npm start</code>.</p>`;

/**
 * Serves the built editor at `/`, falling back to index.html for the editor's
 * own routes (a single-page app). The dist folder is looked up per request,
 * so building the editor while the runner is up just works.
 */
export function mountEditor(app: Hono<any>, distDir: string = EDITOR_DIST) {
  // serveStatic resolves its root against the working directory, not this file.
  // Made on first use: serveStatic complains about a root that does not exist (yet).
  let files: ReturnType<typeof serveStatic> | undefined;
  const indexFile = path.join(distDir, 'index.html');
  app.get('*', async (c, next) => {
    const p = c.req.path;
    // /v1 is the OpenAI-compatible endpoint: an unknown path there is an OpenAI-shaped 404, never the editor's page.
    if (p.startsWith('/api/') || p === '/api' || p.startsWith('/v1/') || p === '/v1' || p === '/healthz') return next();
    if (!fs.existsSync(indexFile)) return c.html(NOT_BUILT, p === '/' ? 200 : 404);
    files ??= serveStatic({ root: path.relative(process.cwd(), distDir) || '.' });
    const found = await files(c, async () => {});
    if (found) return found;
    // A missing asset is a 404; any other path is one of the editor's own routes.
    if (path.extname(p)) return c.text('not found', 404);
    return c.html(fs.readFileSync(indexFile, 'utf8'));
  });
}
