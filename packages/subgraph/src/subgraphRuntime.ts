import type { Logger } from "pino";
import {
  type AdminListener,
  adminListenerOf,
  createLogger,
  createMetrics,
  exitOnStartFailure,
  onShutdown,
  releaseMemoryWhenIdle,
  type ServiceMetrics,
} from "@fedplat/runtime";
import { countStatements, type QueryEventSource } from "@fedplat/event-store";
import type { SubgraphServer } from "./subgraphServer";
import type { SubgraphTls } from "./subgraphConfig";
import type { IdentityTrust } from "@fedplat/auth";
import { loadSubgraphConfig } from "./subgraphConfig";

/** What a subgraph's Prisma client must offer the runtime. */
export interface PrismaLike extends QueryEventSource {
  $disconnect(): Promise<void>;
  $executeRawUnsafe(sql: string): Promise<number>;
}

/** Everything a subgraph's server builder receives; tests pass their own. */
export interface SubgraphDeps<P extends PrismaLike> {
  prisma: P;
  logger: Logger;
  metrics: ServiceMetrics;
  /** The gateway's public keys (and those of services allowed to call directly): verify each request's identity. */
  identityTrust: IdentityTrust;
  /** @default false */
  production?: boolean;
  /** The admin endpoints' own port (production); pass it on to buildSubgraphServer. */
  admin?: AdminListener;
  /** HTTPS and mTLS (TLS_CERT, TLS_KEY, TLS_CA, TLS_REQUIRE_CLIENT_CERT); pass it on to buildSubgraphServer. */
  tls?: SubgraphTls;
}

// Lives in @fedplat/runtime, so a process without a GraphQL server (the workers) need not load this package for it.
export { databaseCheck } from "@fedplat/runtime";

export interface RunSubgraphOptions<P extends PrismaLike> {
  name: string;
  defaultPort: number;
  createPrisma(url: string): P;
  /** Services that call this subgraph directly with their own key: `<NAME>_SERVICE_VERIFY_KEYS` is required for each. @default none */
  trustsServices?: readonly string[];
  build(deps: SubgraphDeps<P>): Promise<SubgraphServer>;
}

/**
 * The whole of a subgraph's `main.ts`: validated config, one Prisma client, listen, and a
 * graceful shutdown that drains HTTP before closing the pool.
 */
export function runSubgraph<P extends PrismaLike>(options: RunSubgraphOptions<P>): void {
  const logger = createLogger(options.name);
  start(options, logger).catch(exitOnStartFailure(logger));
}

async function start<P extends PrismaLike>(options: RunSubgraphOptions<P>, logger: Logger): Promise<void> {
  const config = loadSubgraphConfig(options);
  const metrics = createMetrics(options.name);
  const prisma = options.createPrisma(config.databaseUrl);
  countStatements(prisma, () => metrics.dbStatements.inc({ service: options.name }));
  const production = config.production;
  const server = await options.build({
    prisma,
    logger,
    metrics,
    identityTrust: config.identityTrust,
    production,
    admin: adminListenerOf(production),
    ...(config.tls ? { tls: config.tls } : {}),
  });
  const port = await server.listen(config.port);
  logger.info(
    {
      port,
      adminPort: server.adminPort() ?? port,
      url: `${config.tls ? "https" : "http"}://localhost:${port}/graphql`,
    },
    `${options.name} subgraph ready`,
  );
  releaseMemoryWhenIdle({ logger });
  onShutdown(logger, async () => {
    await server.close();
    await prisma.$disconnect();
  });
}
