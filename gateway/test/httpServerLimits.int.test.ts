import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import { repoRoot, TEST_GATEWAY_KEY, TEST_JWT_SECRET } from "@fedplat/devkit";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";

/**
 * The HTTP server's own limits (httpServerLimits.ts), set short here so the test is quick. None of
 * these requests reaches a subgraph, so the subgraph URLs point nowhere.
 */
let redis: Redis;
let gateway: GatewayServer;
let port: number;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "http-limits-test");
  gateway = await buildGateway({
    supergraphSdl: readFileSync(join(repoRoot, "supergraph.graphql"), "utf8"),
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    http: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 1_500, maxHeaderBytes: 8_192 },
    logger: createLogger("http-limits-test", "silent"),
  });
  port = await gateway.listen(0, "127.0.0.1");
});
afterAll(async () => {
  await gateway?.close();
  await redis?.quit();
});

/** Writes `chunks` one every `intervalMs` on a fresh connection; resolves with the answer and when the server closed. */
function dribble(chunks: string[], intervalMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let answer = "";
    const socket = net.connect(port, "127.0.0.1");
    let next = 0;
    const timer = setInterval(() => {
      const chunk = chunks[next++];
      if (chunk !== undefined && socket.writable) socket.write(chunk);
    }, intervalMs);
    socket.on("data", (data) => (answer += String(data)));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ answer, closedAfterMs: performance.now() - started });
    });
  });
}

const status = (answer: string) => /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];

describe("the gateway's HTTP server limits", () => {
  it("answers 408 and closes a connection whose headers are not complete within headersTimeoutMs", async () => {
    const { answer, closedAfterMs } = await dribble(
      Array.from({ length: 50 }, (_, i) => (i === 0 ? "POST /graphql HTTP/1.1\r\nHost: g\r\n" : `X-${i}: a\r\n`)),
      100,
    );
    expect(status(answer)).toBe("408");
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(2_500);
  });

  it("answers 408 to a request whose body trickles past requestTimeoutMs", async () => {
    const body = JSON.stringify({ query: /* GraphQL */ "{ __typename }" });
    const head = `POST /graphql HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { answer, closedAfterMs } = await dribble([head, ...body.split("")], 200);
    expect(status(answer)).toBe("408");
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_900);
    expect(closedAfterMs).toBeLessThan(3_500);
  });

  it("answers 431 to headers over maxHeaderBytes, and serves headers under it", async () => {
    const request = (headerBytes: number) =>
      `GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: g\r\napollo-require-preflight: 1\r\nConnection: close\r\nX-Big: ${"a".repeat(headerBytes)}\r\n\r\n`;
    expect(status((await dribble([request(10_000)], 1)).answer)).toBe("431");
    const served = (await dribble([request(6_000)], 1)).answer;
    expect(status(served)).toBe("200");
    expect(served).toContain('{"data":{"__typename":"Query"}}');
  });

  it("closes an idle keep-alive connection after keepAliveTimeoutMs", async () => {
    const { answer, closedAfterMs } = await dribble(
      [`GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: g\r\napollo-require-preflight: 1\r\n\r\n`],
      1,
    );
    expect(status(answer)).toBe("200");
    // Node closes the idle socket 1 s after keepAliveTimeout (measured with a bare http.Server too).
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_400);
    expect(closedAfterMs).toBeLessThan(3_500);
  });
});
