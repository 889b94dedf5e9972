import { defineConfig } from 'vite';

// The dashboard is static files the service serves at `/`; in development `vite` proxies the API.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/graphql': { target: process.env.DASHBOARD_API ?? 'http://127.0.0.1:4000', ws: true } } },
});
