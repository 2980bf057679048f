import { Writable } from "node:stream";
import { createMetrics } from "@fedplat/runtime";
import pino from "pino";
import { createTelemetryFeature } from "../../src/features/telemetry";
import { startApollo } from "./apolloHarness";

describe("telemetry feature", () => {
  it("logs one line per operation (name, status, error codes, never variables) and counts it in the operation metrics", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const metrics = createMetrics("gateway");
    const { apollo, run } = await startApollo([
      createTelemetryFeature({ logger: pino({ level: "info" }, sink), metrics }),
    ]);
    await run(/* GraphQL */ "query Hello { hello }", { requestId: "r-42" });
    await run(/* GraphQL */ "query Broken { nope }");
    await apollo.stop();
    expect(lines.filter((line) => line.msg === "graphql request")).toEqual([
      expect.objectContaining({ requestId: "r-42", operationName: "Hello", status: 200 }),
      // Validation failed before the operation was resolved: no name yet, but its status and code.
      expect.objectContaining({ operationName: null, status: 400, errors: ["GRAPHQL_VALIDATION_FAILED"] }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("variables");
    expect(await metrics.registry.metrics()).toMatch(/^gateway_operations_total\{[^}]*operation="Hello"[^}]*\} 1$/m);
  });
});
