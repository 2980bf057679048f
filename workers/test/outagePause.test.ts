import { createLogger } from "@fedplat/runtime";
import { TEST_IDENTITY_ENV } from "@fedplat/devkit";
import { createOutagePause, loadWorkersConfig } from "../src";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

beforeEach(() => jest.useFakeTimers({ now: new Date("2026-12-06T12:00:00Z") }));
afterEach(() => jest.useRealTimers());

/** A pause with a real logger whose lines are kept, and the state changes it reported. */
function pauseUnderTest() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger("outage-pause-test", "info");
  const write = (level: number) => (object: object, msg: string) => lines.push({ level, msg, ...object });
  const changes: string[] = [];
  const pause = createOutagePause({
    queue: "events-orders",
    logger: Object.assign(Object.create(logger), { warn: write(40), info: write(30) }),
    onChange: (queue, state) => changes.push(`${queue} ${state}`),
  });
  return { pause, lines, changes };
}

describe("a consumer's pauses while its database is unreachable", () => {
  it("pauses 500 ms, then doubles each pause up to 5 s while the outage lasts", () => {
    const { pause } = pauseUnderTest();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const delay = pause.pauseMs(refused);
      delays.push(delay);
      jest.advanceTimersByTime(delay);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });

  it("gives jobs that fail during a pause what is left of it, instead of doubling once per job", () => {
    const { pause } = pauseUnderTest();
    expect(pause.pauseMs(refused)).toBe(500);
    jest.advanceTimersByTime(200);
    // 255 more jobs in flight fail at once (WORKER_CONCURRENCY 256).
    for (let i = 0; i < 255; i++) expect(pause.pauseMs(refused)).toBe(300);
    jest.advanceTimersByTime(300);
    expect(pause.pauseMs(refused)).toBe(1_000);
  });

  it("logs and reports the outage once when it starts and once when it ends, then starts over at 500 ms", () => {
    const { pause, lines, changes } = pauseUnderTest();
    expect(pause.paused).toBe(false);
    pause.reachable(); // no outage: nothing to say
    for (let i = 0; i < 3; i++) jest.advanceTimersByTime(pause.pauseMs(refused));
    expect(pause.paused).toBe(true);
    pause.reachable();
    pause.reachable();
    expect(pause.paused).toBe(false);
    expect(changes).toEqual(["events-orders paused", "events-orders resumed"]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "database unreachable: consumer paused until it is back (jobs keep their attempts)",
        queue: "events-orders",
        err: refused,
      }),
      expect.objectContaining({
        level: 30,
        msg: "database reachable again: consumer resumed",
        queue: "events-orders",
        outageMs: 3_500,
        pauses: 3,
      }),
    ]);
    expect(pause.pauseMs(refused)).toBe(500);
  });
});

describe("outage and watchdog settings", () => {
  const config = (env: Record<string, string> = {}) => loadWorkersConfig({ ...TEST_IDENTITY_ENV, ...env });

  it("default to pauses of 500 ms up to 5 s and a watchdog every minute for orders pending 15 minutes", () => {
    expect(config()).toMatchObject({
      queues: { outagePauseMs: 500, outagePauseMaxMs: 5_000 },
      orderExpiry: { pendingDeadlineMs: 900_000, intervalMs: 60_000 },
    });
    expect(config({ ORDER_EXPIRY_INTERVAL_MS: "0" }).orderExpiry.intervalMs).toBe(0); // off
  });

  it("rejects a deadline that is not a whole number of milliseconds or under a second, naming the setting", () => {
    expect(() => config({ ORDER_PENDING_DEADLINE_MS: "soon" })).toThrow(/ORDER_PENDING_DEADLINE_MS/);
    expect(() => config({ ORDER_PENDING_DEADLINE_MS: "500" })).toThrow(/ORDER_PENDING_DEADLINE_MS/);
    expect(() => config({ OUTAGE_PAUSE_MS: "-1" })).toThrow(/OUTAGE_PAUSE_MS/);
  });
});
