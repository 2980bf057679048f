import { spawn } from "node:child_process";
import autocannon from "autocannon";
import { freePort, SUBGRAPHS, TEST_GATEWAY_SECRET, TEST_JWT_SECRET } from "@fedplat/devkit";
import { startPlatform } from "../tests/fixtures/platform";
const HEAVY = `query Heavy($first: Int!) { users(first: $first) { edges { node { id email name orders(first: 5) { id status totalCents createdAt customer { id name } lines { quantity unitPriceCents product { id sku name priceCents } } payment { state amountCents attempts } } notifications(first: 3) { template channel } } } } }`;
async function main() {
  const platform = await startPlatform({ logLevel: "error" });
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), JWT_SECRET: TEST_JWT_SECRET, GATEWAY_SECRET: TEST_GATEWAY_SECRET, LOG_LEVEL: "error", NODE_ENV: "test", RATE_LIMIT_USER_PER_MINUTE: "1000000", ...Object.fromEntries(SUBGRAPHS.map((s) => [`SUBGRAPH_${s.name.toUpperCase()}_URL`, `http://127.0.0.1:${platform.services[s.name]?.port}/graphql`])), SUBGRAPH_OPERATIONS_URL: `http://127.0.0.1:${platform.services.workers?.port}/graphql` };
  const child = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir=/tmp/gwprof", "--import", "tsx", "gateway/src/main.ts"], { env, stdio: "inherit" });
  for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 200)); }
  const url = `http://127.0.0.1:${port}/graphql`;
  const admin = await platform.login("admin@example.com");
  const body = JSON.stringify({ query: HEAVY, variables: { first: 10 } });
  const r = await autocannon({ url, method: "POST", headers: { "content-type": "application/json", ...admin }, body, connections: 10, duration: 15 });
  console.log("rps", r.requests.average, "p50", r.latency.p50, "non2xx", r.non2xx);
  child.kill("SIGTERM"); await new Promise((r) => child.once("exit", r));
  await platform.stop();
}
main().then(() => process.exit(0));
