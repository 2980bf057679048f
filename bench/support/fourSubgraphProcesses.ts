// The four-subgraph workload's processes: the subgraphs (child process) and a fedplat gateway on them.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  type BuildKind,
  freePort,
  GATEWAY,
  repoRoot,
  spawnService,
  TEST_IDENTITY_ENV,
  TEST_JWT_SECRET,
  waitUntilReady,
} from "@fedplat/devkit";

export interface Subgraphs {
  urls: Record<string, string>;
  /** GraphQL requests each subgraph has received so far. */
  requests(): Promise<number>;
  stop(): void;
}

/** The four subgraphs (support/serveFourSubgraphs.ts) in a child process of their own. */
export async function startFourSubgraphs(): Promise<Subgraphs> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(__dirname, "serveFourSubgraphs.ts")], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const urls = await new Promise<Record<string, string>>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (line.startsWith("ready ")) resolve(JSON.parse(line.slice("ready ".length)) as Record<string, string>);
    });
    child.once("exit", (code) => reject(new Error(`the four subgraphs exited (${code})`)));
  });
  const countUrl = new URL("/requests", urls.accounts).href;
  return {
    urls,
    requests: async () => {
      const counts = (await (await fetch(countUrl)).json()) as Record<string, number>;
      return Object.values(counts).reduce((sum, count) => sum + count, 0);
    },
    // Closing its stdin ends it (serveFourSubgraphs.ts).
    stop: () => child.stdin?.end(),
  };
}

/**
 * A fedplat gateway on the four subgraphs' supergraph, every feature at its default, configured as
 * in production, except what a benchmark from one address needs: rate limits it cannot reach,
 * the operation's cost only measured (the heavy query's estimate is over the default limit, as in the
 * platform workload), trusted documents allowed rather than enforced (the query is not in the
 * platform's manifest) and the response cache off (the gateway's own work is measured).
 */
export async function startFourSubgraphGateway(
  build: BuildKind,
  supergraphPath: string,
  redisUrl: string,
  env: NodeJS.ProcessEnv,
  /** Another checkout whose dist/ runs (A/B of two builds). @default this one */
  root?: string,
) {
  const service = spawnService(GATEWAY, {
    build,
    ...(root ? { root } : {}),
    port: await freePort(),
    adminPort: await freePort(),
    env: {
      ...process.env,
      JWT_SECRET: TEST_JWT_SECRET,
      ...TEST_IDENTITY_ENV,
      NODE_ENV: "production",
      SUPERGRAPH_PATH: supergraphPath,
      SUPERGRAPH_POLL_MS: "0",
      RESPONSE_CACHE: "off",
      TRUSTED_DOCUMENTS: "allow",
      DEMAND_CONTROL_MODE: "measure",
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
      RATE_LIMIT_IP_PER_MINUTE: "1000000",
      REDIS_URL: redisUrl,
      CACHE_PREFIX: `bench-${randomUUID()}`,
      ...env,
    },
  });
  await waitUntilReady(service, 90_000);
  return { url: `http://127.0.0.1:${service.port}/graphql`, pid: service.child.pid, service };
}
