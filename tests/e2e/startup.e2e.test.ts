import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  GATEWAY,
  repoRoot,
  SUBGRAPHS,
  spawnService,
  TEST_EVENT_KEYS,
  TEST_IDENTITY_ENV,
  TEST_JWT_SECRET,
  WORKERS,
} from "@fedplat/devkit";

jest.setTimeout(60_000);
const run = promisify(execFile);

async function exitOf(spec: typeof GATEWAY, env: NodeJS.ProcessEnv) {
  const service = spawnService(spec, {
    port: 0,
    env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET, ...TEST_IDENTITY_ENV, ...env },
  });
  const code = await service.exited;
  return { code, output: service.output.join("\n") };
}

describe("start-up checks", () => {
  it("the gateway refuses invalid configuration, naming the variable", async () => {
    const { code, output } = await exitOf(GATEWAY, { SUBGRAPH_TIMEOUT_MS: "soon" });
    expect(code).toBe(1);
    expect(output).toContain("SUBGRAPH_TIMEOUT_MS");
    expect(output).toContain('"soon"');
  });

  it("the gateway refuses a missing supergraph file, naming SUPERGRAPH_PATH", async () => {
    const { code, output } = await exitOf(GATEWAY, { SUPERGRAPH_PATH: "/nonexistent/supergraph.graphql" });
    expect(code).toBe(1);
    expect(output).toContain("SUPERGRAPH_PATH: cannot read /nonexistent/supergraph.graphql");
  });

  it("a subgraph refuses an invalid database URL, naming the variable", async () => {
    const orders = SUBGRAPHS.find((spec) => spec.name === "orders");
    if (!orders) throw new Error("orders spec missing");
    const { code, output } = await exitOf(orders, { ORDERS_DATABASE_URL: "mysql://root@localhost/orders" });
    expect(code).toBe(1);
    expect(output).toContain("ORDERS_DATABASE_URL: must be a postgresql:// URL");
  });

  it("a malformed identity key stops the process, naming the variable and never printing the key", async () => {
    const spec = (name: string) => {
      const found = SUBGRAPHS.find((s) => s.name === name);
      if (!found) throw new Error(`${name} spec missing`);
      return found;
    };
    const privateKey = TEST_IDENTITY_ENV.GATEWAY_SIGNING_KEY ?? "";
    const attempts = [
      {
        spec: GATEWAY,
        env: { GATEWAY_SIGNING_KEY: TEST_IDENTITY_ENV.GATEWAY_VERIFY_KEYS },
        message: "GATEWAY_SIGNING_KEY: the key must be a JWK object",
      },
      {
        spec: spec("accounts"),
        env: { GATEWAY_VERIFY_KEYS: `[${privateKey}]` },
        message: "GATEWAY_VERIFY_KEYS: key test-gateway-1 is a private key",
      },
      {
        spec: spec("catalog"),
        env: { ORDERS_SERVICE_VERIFY_KEYS: "orders" },
        message: "ORDERS_SERVICE_VERIFY_KEYS: must be JSON",
      },
      {
        spec: spec("orders"),
        env: { ORDERS_SERVICE_KEY: "{}" },
        message: "ORDERS_SERVICE_KEY: the key must be an Ed25519 key",
      },
    ];
    for (const attempt of attempts) {
      const { code, output } = await exitOf(attempt.spec, attempt.env);
      expect({ service: attempt.spec.name, code, named: output.includes(attempt.message) }).toEqual({
        service: attempt.spec.name,
        code: 1,
        named: true,
      });
      expect(output).not.toContain(JSON.parse(privateKey).d);
    }
  });

  it("a subgraph that writes events refuses to start without its signing key, naming EVENT_SIGNING_KEYS", async () => {
    const orders = SUBGRAPHS.find((spec) => spec.name === "orders");
    if (!orders) throw new Error("orders spec missing");
    const { code, output } = await exitOf(orders, { EVENT_SIGNING_KEYS: "" });
    expect(code).toBe(1);
    expect(output).toContain("EVENT_SIGNING_KEYS: no signing key for orders");
  });

  it("the workers refuse to start without the keys of the producers whose follow-ups they write, naming the variable", async () => {
    const catalogOnly = TEST_EVENT_KEYS.EVENT_SIGNING_KEYS.split(",")
      .filter((entry) => entry.startsWith("catalog:"))
      .join(",");
    const { code, output } = await exitOf(WORKERS, { EVENT_SIGNING_KEYS: catalogOnly });
    expect(code).toBe(1);
    expect(output).toContain(
      "EVENT_SIGNING_KEYS: the workers write events of orders, payments, notifications and need their signing keys",
    );
    const malformed = await exitOf(WORKERS, { EVENT_VERIFY_KEYS: "accounts:acc-1:rsa:AAAA" });
    expect(malformed.code).toBe(1);
    expect(malformed.output).toContain("EVENT_VERIFY_KEYS: entry 1 must be producer:kid:hmac|ed25519:base64");
  });

  it("a malformed or missing EVENT_PII_KEYS stops accounts (which seals) and the workers (which open), naming the variable and never printing the key", async () => {
    const accounts = SUBGRAPHS.find((spec) => spec.name === "accounts");
    if (!accounts) throw new Error("accounts spec missing");
    const material = Buffer.alloc(16, 5).toString("base64"); // 16 bytes, not 32
    for (const spec of [accounts, WORKERS]) {
      const malformed = await exitOf(spec, { EVENT_PII_KEYS: `evp-1:${material}`, EVENT_PII_ACTIVE_KEY_ID: "evp-1" });
      expect({
        service: spec.name,
        code: malformed.code,
        named: malformed.output.includes("EVENT_PII_KEYS: each entry must be <key id>:<base64 of 32 random bytes>"),
      }).toEqual({ service: spec.name, code: 1, named: true });
      expect(malformed.output).not.toContain(material);
      const missing = await exitOf(spec, { EVENT_PII_KEYS: "" });
      expect({
        service: spec.name,
        code: missing.code,
        named: missing.output.includes("EVENT_PII_KEYS: required"),
      }).toEqual({ service: spec.name, code: 1, named: true });
    }
  });

  async function setupWith(env: NodeJS.ProcessEnv) {
    const started = Date.now();
    const result = await run(process.execPath, [join(repoRoot, "scripts/setup.mjs")], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    return { ...result, seconds: (Date.now() - started) / 1000 };
  }

  it("setup stops at once when PostgreSQL is unreachable, naming the URL (password hidden) and how to start one", async () => {
    const { code, stderr, seconds } = await setupWith({ DATABASE_URL: "postgresql://app:s3cret@127.0.0.1:9/fedplat" });
    expect(code).toBe(1);
    expect(stderr).toContain("PostgreSQL is not reachable at postgresql://app:***@127.0.0.1:9/fedplat");
    expect(stderr).toContain("docker compose -f infra/docker-compose.yml up -d postgres redis");
    expect(stderr).toContain("apt-get install postgresql redis-server");
    expect(stderr).not.toContain("s3cret");
    expect(seconds).toBeLessThan(20);
  });

  it("setup stops at once when Redis is unreachable, naming the URL", async () => {
    const { code, stderr } = await setupWith({ REDIS_URL: "redis://127.0.0.1:9" });
    expect(code).toBe(1);
    expect(stderr).toContain("Redis is not reachable at redis://127.0.0.1:9");
    expect(stderr).toContain("docker compose -f infra/docker-compose.yml");
  });
});
