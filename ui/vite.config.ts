import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Every asset is bundled (no CDN); hashed names let the hub serve them as immutable.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/entries': 'http://127.0.0.1:8899',
      '/query': 'http://127.0.0.1:8899',
      '/status': 'http://127.0.0.1:8899',
      '/ws': { target: 'ws://127.0.0.1:8899', ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
