import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { preloadEditor } from './preload-editor.ts'; // with its extension: Vite's config loader asks for one

// The runner serves dist/ at `/`; in dev (`npm run dev -w @patchbay/editor`) the API
// is proxied to a runner started with `patchbay serve` on its default port.
export default defineConfig({
  plugins: [react(), preloadEditor()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 900 },
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
});
