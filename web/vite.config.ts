import path from 'node:path';
import { defineConfig } from 'vite';

// The UI is built into the server's dist/web and served by the same process (src/http/web-ui.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: path.resolve(import.meta.dirname, '..', 'dist', 'web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: { proxy: { '/api': 'http://127.0.0.1:8888' } },
});
