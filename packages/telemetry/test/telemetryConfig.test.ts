import { telemetryConfig } from "../src";

describe("telemetryConfig", () => {
  it("exports nothing unless an OTLP endpoint or a traces exporter is configured", () => {
    expect(telemetryConfig({}, "/repo/gateway/src/main.ts").exporting).toBe(false);
    expect(telemetryConfig({ OTEL_TRACES_EXPORTER: "none" }, "/repo/gateway/src/main.ts").exporting).toBe(false);
    expect(
      telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, "/repo/gateway/src/main.ts").exporting,
    ).toBe(true);
    expect(
      telemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }, "/x/main.ts")
        .exporting,
    ).toBe(true);
    expect(telemetryConfig({ OTEL_TRACES_EXPORTER: "console" }, "/x/main.ts").exporting).toBe(true);
  });

  it("names the service after OTEL_SERVICE_NAME, else the package of the entry point", () => {
    expect(telemetryConfig({}, "/repo/subgraphs/orders/src/main.ts").serviceName).toBe("orders");
    expect(telemetryConfig({}, "/repo/workers/src/main.ts").serviceName).toBe("workers");
    expect(telemetryConfig({}, "/repo/gateway/dist/main.js").serviceName).toBe("gateway");
    expect(telemetryConfig({ OTEL_SERVICE_NAME: "gateway-eu" }, "/repo/gateway/src/main.ts").serviceName).toBe(
      "gateway-eu",
    );
  });
});
