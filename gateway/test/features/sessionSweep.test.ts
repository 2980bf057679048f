import type { ConnectionIdentity, SessionVerdict } from "../../src/features/subscriptions/connectionAuth";
import { startSessionSweep } from "../../src/features/subscriptions/sessionSweep";

interface Connection {
  name: string;
  identity: ConnectionIdentity;
}

/** Connections of viewers whose session checks answer `verdicts[key]`, counting checks per key. */
function connectionsOf(verdicts: Record<string, SessionVerdict>, counts: Record<string, number>) {
  const checks: Record<string, number> = {};
  const connections: Connection[] = [];
  for (const [key, count] of Object.entries(counts)) {
    checks[key] = 0;
    for (let i = 0; i < count; i++)
      connections.push({
        name: `${key}-${i}`,
        identity: {
          viewer: { id: key, roles: ["CUSTOMER"], scopes: [] },
          session: {
            key,
            check: async () => {
              checks[key] = (checks[key] ?? 0) + 1;
              return verdicts[key] ?? "valid";
            },
          },
        },
      });
  }
  return { connections, checks };
}

describe("session sweep", () => {
  it("checks each distinct session once per sweep, however many connections share it, and ends only the ended ones", async () => {
    const { connections, checks } = connectionsOf(
      { valid: "valid", ended: "ended", unknown: "unknown" },
      { valid: 2_000, ended: 300, unknown: 5 },
    );
    const ended: string[] = [];
    const sweep = startSessionSweep({
      intervalMs: 60_000,
      connections: () => connections,
      identityOf: (connection) => connection.identity,
      onEnded: (connection) => ended.push(connection.name),
    });
    try {
      await sweep.sweep();
      expect(checks).toEqual({ valid: 1, ended: 1, unknown: 1 });
      expect(ended).toHaveLength(300);
      expect(ended.every((name) => name.startsWith("ended-"))).toBe(true);
    } finally {
      sweep.stop();
    }
  });

  it("leaves a connection whose token has expired to its expiry timer, and one with no session alone", async () => {
    const { connections, checks } = connectionsOf({ expired: "ended" }, { expired: 1 });
    const [expired] = connections;
    if (!expired) throw new Error("no connection");
    expired.identity.expiresAt = Date.now() - 1;
    connections.push({ name: "no-session", identity: { viewer: { id: "jwks", roles: ["CUSTOMER"], scopes: [] } } });
    const ended: string[] = [];
    const sweep = startSessionSweep({
      intervalMs: 60_000,
      connections: () => connections,
      identityOf: (connection) => connection.identity,
      onEnded: (connection) => ended.push(connection.name),
    });
    try {
      await sweep.sweep();
      expect(checks).toEqual({ expired: 0 });
      expect(ended).toEqual([]);
    } finally {
      sweep.stop();
    }
  });

  it("sweeps every intervalMs on its own until stopped", async () => {
    const { connections, checks } = connectionsOf({ a: "valid" }, { a: 3 });
    const sweep = startSessionSweep({
      intervalMs: 20,
      connections: () => connections,
      identityOf: (connection) => connection.identity,
      onEnded: () => undefined,
    });
    const deadline = Date.now() + 2_000;
    while ((checks.a ?? 0) < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    sweep.stop();
    expect(checks.a).toBeGreaterThanOrEqual(3);
    const stoppedAt = checks.a;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(checks.a).toBe(stoppedAt);
  });
});
