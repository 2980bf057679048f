import { Router } from "express";

/** A readiness check resolves when the dependency answers and rejects otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

/** Readiness check of a Prisma client: the database answers a trivial statement. */
export const databaseCheck =
  (prisma: { $executeRawUnsafe(query: string): Promise<unknown> }): ReadinessCheck =>
  () =>
    prisma.$executeRawUnsafe("SELECT 1");

export interface HealthState {
  /** Set when shutdown starts, so load balancers stop sending traffic before the server closes. */
  draining: boolean;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthRouterOptions {
  /** Per check. @default 2_000 */
  timeoutMs?: number;
  /** Extra facts in the readiness answer that do not decide it (e.g. the gateway's circuit per subgraph). */
  report?: () => Record<string, unknown>;
}

/** /health/live (the process answers) and /health/ready (every dependency answers). */
export function healthRouter(
  checks: Record<string, ReadinessCheck>,
  state: HealthState,
  options: HealthRouterOptions = {},
): Router {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const router = Router();
  router.get("/health/live", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/health/ready", async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), timeoutMs);
          return [name, "ok"] as const;
        } catch (error) {
          return [name, `failing: ${error instanceof Error ? error.message : String(error)}`] as const;
        }
      }),
    );
    const ready = !state.draining && results.every(([, result]) => result === "ok");
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : state.draining ? "draining" : "not_ready",
      checks: Object.fromEntries(results),
      ...options.report?.(),
    });
  });
  return router;
}
