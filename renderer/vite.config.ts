import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs so the same build loads from file:// in Electron
  // and from the web host.
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      output: {
        // V8's explicit compile hint: the History tab's chunk is compiled as it loads, at idle (renderer/history/lazy.ts).
        postBanner: (chunk) => (chunk.isDynamicEntry && chunk.facadeModuleId?.endsWith('/history/HistoryRoot.tsx') ? '//# allFunctionsCalledOnLoad' : ''),
      },
    },
  },
});
