import { z } from "zod";

/**
 * Lowercase letters and digits only: the name is also a PostgreSQL schema, a queue suffix and,
 * upper-cased, part of env var names (ORDERS_DATABASE_URL), so it must need no quoting or mapping.
 */
const serviceName = z.string().regex(/^[a-z][a-z0-9]*$/, "lowercase letters and digits, starting with a letter");
const port = z.number().int().min(1).max(65_535);
const folder = z
  .string()
  .regex(/^[\w./-]+$/)
  .refine((path) => !path.startsWith("/") && !path.split("/").includes(".."), "a path inside the repository");
const eventType = z.string().regex(/^[a-z]+\.[a-z_]+$/, "<entity>.<event>");

const serviceSchema = z
  .object({
    name: serviceName,
    /** Where the service listens; absent when another process serves it (`servedBy`). */
    port: port.optional(),
    /** A service with no process of its own, served in-process by this one (today: "workers"). */
    servedBy: z.literal("workers").optional(),
    folder,
    /**
     * Its PostgreSQL schema and Prisma folder (schema.prisma, migrations), and the table whose
     * emptiness makes setup run the seed (absent: the seed has no data for it); null: no database.
     */
    database: z
      .object({
        schema: serviceName,
        prisma: folder,
        seedTable: z
          .string()
          .regex(/^[a-z_]+$/)
          .optional(),
      })
      .strict()
      .nullable(),
    /** It owns a BullMQ queue (`events-<name>`) and the workers run its event handlers. */
    consumesEvents: z.boolean(),
    /** The event types it publishes (its outbox); it signs them with its own key. */
    produces: z.array(eventType),
    /** Resolver codegen: the context type and Prisma/model mappers, paths relative to src/generated/. */
    codegen: z
      .object({ contextType: z.string().min(1), mappers: z.record(z.string(), z.string()).default({}) })
      .strict(),
  })
  .strict()
  .refine((service) => (service.port === undefined) !== (service.servedBy === undefined), {
    message: "needs exactly one of port and servedBy",
  });

const processSchema = z.object({ port, folder }).strict();

export const registrySchema = z
  .object({
    $comment: z.string().optional(),
    /** Federation version of the composed supergraph (supergraph.yaml). */
    federationVersion: z.string().min(1),
    gateway: processSchema,
    workers: processSchema,
    services: z.array(serviceSchema).min(1),
  })
  .strict()
  .superRefine((registry, context) => {
    const seen = new Map<string, string>();
    const claim = (key: string, what: string, path: (string | number)[]) => {
      const owner = seen.get(key);
      if (owner) context.addIssue({ code: "custom", path, message: `${what} is also ${owner}` });
      else seen.set(key, what);
    };
    claim(`port:${registry.gateway.port}`, "the gateway's port", ["gateway", "port"]);
    claim(`port:${registry.workers.port}`, "the workers' port", ["workers", "port"]);
    registry.services.forEach((service, index) => {
      claim(`name:${service.name}`, `service ${service.name}'s name`, ["services", index, "name"]);
      if (service.port !== undefined)
        claim(`port:${service.port}`, `service ${service.name}'s port`, ["services", index, "port"]);
      claim(`folder:${service.folder}`, `service ${service.name}'s folder`, ["services", index, "folder"]);
      for (const type of service.produces)
        claim(`event:${type}`, `event ${type} of ${service.name}`, ["services", index, "produces"]);
    });
  });

export type Registry = z.infer<typeof registrySchema>;
export type ServiceEntry = Registry["services"][number];
