import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The live usage card: `npm run demo:build` writes `demo/dist`, which the server serves at `/demo`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/demo/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // graphql-ws's client has no Node dependencies; nothing else to configure.
  logLevel: 'warn',
});
