#!/usr/bin/env node
// The image's HEALTHCHECK (infra/Dockerfile): exit 0 when the process in this container answers
// /health/ready. In production (the image's NODE_ENV) a process serves health on its admin port only
// (ADMIN_PORT, default 9464: processSection in @fedplat/runtime), else on PORT. Plain Node and the
// environment alone, not the config loader: Docker runs this every interval, and loading the compiled
// runtime (Express, pino, zod...) for one GET would cost more than the check.
// Read in a container at run time, never in a turbo task.
const { NODE_ENV, ADMIN_PORT, PORT } = process.env;
const port = NODE_ENV === "production" ? (ADMIN_PORT ?? "9464") : PORT;
if (!port) {
  console.error("healthcheck: no port (set PORT, or NODE_ENV=production and ADMIN_PORT)");
  process.exit(1);
}
try {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(3_000) });
  if (!response.ok) console.error(`healthcheck: /health/ready answered ${response.status}`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`healthcheck: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
