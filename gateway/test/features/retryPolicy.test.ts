import { RetryBudget } from "../../src/features/resilience/retryBudget";
import { backoffMs, retryAfterMs } from "../../src/features/resilience/retryDelay";

describe("retry budget", () => {
  it("allows the floor, then a share of the window's fetches, and frees retries as the window slides", () => {
    let now = 0;
    const budget = new RetryBudget(
      { retryBudgetPercent: 10, retryBudgetMinRetries: 2, retryBudgetWindowMs: 10_000 },
      () => now,
    );
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
    for (let i = 0; i < 50; i++) budget.sent();
    // 10% of 50 fetches: 5 retries in the window, 2 already taken
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    now = 10_500; // the window has slid past every fetch and retry
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
  });
});

describe("retry delays", () => {
  const policy = { retryBaseDelayMs: 50, retryMaxDelayMs: 1_000, retryAfterMaxMs: 2_000 };

  it("backs off exponentially with full jitter, up to the cap", () => {
    expect([0, 1, 2, 3].map((retry) => backoffMs(retry, policy, () => 1))).toEqual([50, 100, 200, 400]);
    expect(backoffMs(10, policy, () => 1)).toBe(1_000);
    expect(backoffMs(3, policy, () => 0.5)).toBe(200);
    expect(backoffMs(3, policy, () => 0)).toBe(0);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3_000);
    expect(retryAfterMs("Sun, 06 Dec 2026 12:00:02 GMT", now)).toBe(2_000);
    expect(retryAfterMs("Sun, 06 Dec 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
