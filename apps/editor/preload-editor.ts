import type { OutputChunk } from 'rolldown';
import type { Plugin } from 'vite';

/** The file the plugin adds beside index.html (a file, not an inline script: the runner's CSP is `script-src 'self'`). */
const SCRIPT_FILE = 'preload-editor.js';
// reads its list from its own tag, so the file is the same whatever the build's chunk names are
const SCRIPT = `if(location.pathname.startsWith('/pipelines/'))for(const[r,h]of JSON.parse(document.currentScript.dataset.links)){const l=document.createElement('link');l.rel=r;l.href=h;l.crossOrigin='';document.head.append(l)}\n`;

/**
 * The canvas is a lazy chunk, so `/` stays small. A page opened straight at
 * `/pipelines/…` would then fetch it only after the first script has run; this
 * adds a tiny script to index.html that, on those addresses only, starts
 * fetching the editor's chunks and styles at once, side by side with the first script.
 */
export function preloadEditor(editorEntry = 'src/components/EditorPage.tsx'): Plugin {
  return {
    name: 'patchbay-preload-editor',
    apply: 'build',
    buildStart() {
      this.emitFile({ type: 'asset', fileName: SCRIPT_FILE, source: SCRIPT });
    },
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {}).filter((c): c is OutputChunk => c.type === 'chunk');
        const editor = chunks.find((c) => c.facadeModuleId?.endsWith(editorEntry));
        if (!editor) return html;
        // what the page's own script tags already fetch is left out
        const entry = chunks.find((c) => c.isEntry);
        const already = new Set([entry?.fileName, ...(entry?.imports ?? []), ...(entry?.viteMetadata?.importedCss ?? [])]);
        const scripts = new Set<string>([editor.fileName, ...editor.imports].filter((f) => !already.has(f)));
        const styles = new Set<string>();
        for (const name of scripts) for (const css of chunks.find((c) => c.fileName === name)?.viteMetadata?.importedCss ?? []) if (!already.has(css)) styles.add(css);
        const links = [...[...scripts].map((f) => ['modulepreload', `/${f}`]), ...[...styles].map((f) => ['stylesheet', `/${f}`])];
        // crossOrigin (in the script) as on Vite's own module tags, so the preloaded copy is the one used
        return { html, tags: [{ tag: 'script', attrs: { src: `/${SCRIPT_FILE}`, 'data-links': JSON.stringify(links) }, injectTo: 'head-prepend' }] };
      },
    },
  };
}
