import type { OutputChunk } from 'rolldown';
import type { Plugin } from 'vite';

/**
 * The canvas is a lazy chunk, so `/` stays small. A page opened straight at
 * `/pipelines/…` would then fetch it only after the first script has run; this
 * adds a tiny inline script to index.html that, on those addresses only, starts
 * fetching the editor's chunks and styles at once, side by side with the first script.
 */
export function preloadEditor(editorEntry = 'src/components/EditorPage.tsx'): Plugin {
  return {
    name: 'patchbay-preload-editor',
    apply: 'build',
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
        // crossOrigin as on Vite's own module tags, so the preloaded copy is the one used
        const script = `if(location.pathname.startsWith('/pipelines/'))for(const[r,h]of ${JSON.stringify(links)}){const l=document.createElement('link');l.rel=r;l.href=h;l.crossOrigin='';document.head.append(l)}`;
        return { html, tags: [{ tag: 'script', children: script, injectTo: 'head-prepend' }] };
      },
    },
  };
}
