import { defineConfig } from 'vite';

// Served by the quality service under /console; every asset name carries a content hash, so the
// service can let browsers cache them for good (index.html is revalidated on each load).
export default defineConfig({
  base: '/console/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // one small app: a single chunk keeps the page to three requests
    chunkSizeWarningLimit: 200,
  },
  logLevel: 'warn',
});
