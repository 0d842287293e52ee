// Builds the web app from web/ into web/dist, which the Fastify server serves as static files on
// its own port (with an SPA fallback to index.html for paths outside /api).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm run serve` listens by default; `vite` in dev forwards API calls there. */
const API_ORIGIN_DEV = 'http://127.0.0.1:8080';

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // The sources are public; maps would only double what every visitor downloads.
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: API_ORIGIN_DEV, changeOrigin: false },
    },
  },
});
