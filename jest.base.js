// One jest configuration for every workspace: TypeScript through SWC, real services, no mocks.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: {
    "^.+\\.(t|m?j)sx?$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }],
  },
  // jose, graphql-upload and fs-capacitor are published as ESM only; jest's CommonJS runtime needs them transformed.
  transformIgnorePatterns: ["/node_modules/(?!(jose|graphql-upload|fs-capacitor)/)"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/src/generated/"],
  testTimeout: 30_000,
  // Test event signing keys (packages/devkit/src/eventKeys.ts) in process.env, before any test module loads.
  setupFiles: [require("node:path").join(__dirname, "packages/devkit/src/jestSetup.ts")],
};
