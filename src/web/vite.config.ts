/**
 * Builds the web UI into dist/web/, which `rollover server` serves (src/api/web.ts). No inline scripts
 * or styles end up in index.html, so the strict CSP the server sends holds.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(here, '../../dist/web'),
    emptyOutDir: true,
    // Everything as files: a data: URL for a small asset would need a looser CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
});
