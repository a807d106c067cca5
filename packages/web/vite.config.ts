import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server (packages/server) serves `dist/` at `/` behind a strict CSP: no inline scripts are emitted.
const API_TARGET = 'http://127.0.0.1:5870';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // Keep the polyfill out: it would be emitted as an inline script in some setups.
    modulePreload: { polyfill: false },
    // One ~205 KB (gzip) bundle, well under the 400 KB first-load budget; no need to split it yet.
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
      '/ws': { target: API_TARGET, ws: true, changeOrigin: false },
    },
  },
});
