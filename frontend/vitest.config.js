import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.js"],
    // Vitest closes with "Tests  N passed (N)"; the summary below adds a
    // plain "N passed, N failed" line for CI log readers.
    reporters: ["default", "./test/summary-reporter.js"],
  },
});
