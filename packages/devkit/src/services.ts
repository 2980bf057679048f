import { join, resolve } from "node:path";

/** The repository root (this file is packages/devkit/src/services.ts). */
export const repoRoot = resolve(__dirname, "../../..");

export interface ServiceSpec {
  name: string;
  /** Package folder, relative to the repository root. */
  dir: string;
  /** Default port (DESIGN.md). */
  port: number;
}

export const SUBGRAPHS: readonly ServiceSpec[] = [
  { name: "accounts", dir: "subgraphs/accounts", port: 4001 },
  { name: "catalog", dir: "subgraphs/catalog", port: 4002 },
  { name: "orders", dir: "subgraphs/orders", port: 4003 },
  { name: "payments", dir: "subgraphs/payments", port: 4004 },
  { name: "notifications", dir: "subgraphs/notifications", port: 4005 },
];
export const WORKERS: ServiceSpec = { name: "workers", dir: "workers", port: 4010 };
export const GATEWAY: ServiceSpec = { name: "gateway", dir: "gateway", port: 4000 };

export function entryOf(spec: ServiceSpec): string {
  return join(repoRoot, spec.dir, "src", "main.ts");
}

/** The OpenTelemetry bootstrap every process loads with `--import` (packages/telemetry). */
export const telemetryRegister = join(repoRoot, "packages", "telemetry", "src", "register.ts");
