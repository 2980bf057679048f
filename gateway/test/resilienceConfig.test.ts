import { TEST_IDENTITY_ENV } from "@fedplat/devkit";
import { checkOverrides, loadGatewayConfig } from "../src";

const SECRET = { JWT_SECRET: "x".repeat(32), GATEWAY_SIGNING_KEY: TEST_IDENTITY_ENV.GATEWAY_SIGNING_KEY ?? "" };
const SUPERGRAPH = 'enum join__Graph { ORDERS @join__graph(name: "orders", url: "http://localhost:4003/graphql") }';

describe("resilience configuration", () => {
  it("defaults to the brief's circuit policy and two budgeted retries of query fetches", () => {
    expect(loadGatewayConfig(SECRET).resilience).toEqual({
      errorThresholdPercent: 50,
      windowMs: 60_000,
      resetMs: 30_000,
      minRequests: 5,
      queryRetries: 2,
      retryBaseDelayMs: 50,
      retryMaxDelayMs: 1_000,
      retryAfterMaxMs: 2_000,
      retryBudgetPercent: 10,
      retryBudgetMinRetries: 10,
      retryBudgetWindowMs: 10_000,
    });
  });

  it("reads every knob from the environment", () => {
    const config = loadGatewayConfig({
      ...SECRET,
      CIRCUIT_ERROR_THRESHOLD_PERCENT: "25",
      CIRCUIT_WINDOW_MS: "10000",
      CIRCUIT_RESET_MS: "2000",
      CIRCUIT_MIN_REQUESTS: "20",
      SUBGRAPH_QUERY_RETRIES: "0",
      SUBGRAPH_RETRY_BASE_DELAY_MS: "20",
      SUBGRAPH_RETRY_MAX_DELAY_MS: "500",
      SUBGRAPH_RETRY_AFTER_MAX_MS: "3000",
      SUBGRAPH_RETRY_BUDGET_PERCENT: "20",
      SUBGRAPH_RETRY_BUDGET_MIN_RETRIES: "5",
      SUBGRAPH_RETRY_BUDGET_WINDOW_MS: "30000",
      SUBGRAPH_ORDERS_TIMEOUT_MS: "2500",
    });
    expect(config.resilience).toEqual({
      errorThresholdPercent: 25,
      windowMs: 10_000,
      resetMs: 2_000,
      minRequests: 20,
      queryRetries: 0,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 500,
      retryAfterMaxMs: 3_000,
      retryBudgetPercent: 20,
      retryBudgetMinRetries: 5,
      retryBudgetWindowMs: 30_000,
    });
    expect(config.subgraphTimeouts).toEqual({ ORDERS: 2_500 });
  });

  it("names the variable that is invalid", () => {
    expect(() => loadGatewayConfig({ ...SECRET, CIRCUIT_ERROR_THRESHOLD_PERCENT: "150" })).toThrow(
      /CIRCUIT_ERROR_THRESHOLD_PERCENT: .*"150"/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, CIRCUIT_RESET_MS: "soon" })).toThrow(/CIRCUIT_RESET_MS: .*"soon"/);
    expect(() => loadGatewayConfig({ ...SECRET, SUBGRAPH_QUERY_RETRIES: "9" })).toThrow(
      /SUBGRAPH_QUERY_RETRIES: .*"9"/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, SUBGRAPH_ORDERS_TIMEOUT_MS: "5" })).toThrow(
      /SUBGRAPH_ORDERS_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 120000 \(currently: "5";/,
    );
    expect(() => checkOverrides({}, SUPERGRAPH, { ORDRES: 1_000 })).toThrow(
      /SUBGRAPH_ORDRES_TIMEOUT_MS: the supergraph has no such subgraph \(it has: orders\)/,
    );
  });
});
