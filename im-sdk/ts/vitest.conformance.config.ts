import { defineConfig } from "vitest/config";

// The shared conformance suite: it builds and starts the Go scripted
// gateway, so it runs apart from the unit tests (npm run conformance).
export default defineConfig({
  test: {
    include: ["conformance/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
  },
});
