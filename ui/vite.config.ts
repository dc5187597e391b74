import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

// The app is served by Tauri from `ui/dist` over its own protocol; there is no dev server in the
// loop (tauri.conf.json has no devUrl), so the config only describes the build and the tests.
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.50 and later; no need to down-level modern syntax.
    target: "safari16",
    // Inline assets become data: URIs; keep them as files so the CSP can stay strict.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "happy-dom",
    restoreMocks: true,
  },
});
