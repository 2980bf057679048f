import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { parseSigningKey, parseVerifyKeys } from "./identityKeys";

/** Thrown at start when an environment variable is missing or invalid; the message names it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Validates `env` against a zod object schema. Every problem is reported with the variable's
 * name, so `PORT=abc npm start` fails with "PORT: expected a number ...", not a stack trace.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join(".") || "(environment)";
    const value = env[String(issue.path[0])];
    const shown =
      value === undefined
        ? "unset"
        : /SECRET|PASSWORD|KEY|TOKEN/i.test(variable)
          ? "set, hidden"
          : JSON.stringify(value);
    return `  ${variable}: ${issue.message} (currently: ${shown})`;
  });
  throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
}

/** Reusable variable schemas with defaults that work on a machine running PostgreSQL and Redis locally. */
export const envVars = {
  port: (defaultPort: number) => z.coerce.number().int().min(0).max(65535).default(defaultPort),
  nodeEnv: z.enum(["development", "production", "test"]).default("development"),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  postgresUrl: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgresql:// URL")
    .default("postgresql://postgres:postgres@127.0.0.1:5432/fedplat"),
  redisUrl: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), "must be a redis:// URL")
    .default("redis://127.0.0.1:6379"),
  /** A shared secret (JWT_SECRET): generated into .env by `npm run setup`. */
  secret: z.string().min(32, "must be at least 32 characters (run `npm run setup` to generate one into .env)"),
  /** A private Ed25519 JWK with a kid (GATEWAY_SIGNING_KEY, ORDERS_SERVICE_KEY): generated into .env by `npm run setup`. */
  signingKey: z
    .string({ error: "required: a private Ed25519 JWK (run `npm run setup` to generate one into .env)" })
    .transform(parsedBy(parseSigningKey)),
  /** A JSON array of public Ed25519 JWKs, each with its kid (GATEWAY_VERIFY_KEYS, ORDERS_SERVICE_VERIFY_KEYS): several during a rotation. */
  verifyKeys: z
    .string({ error: "required: a JSON array of public Ed25519 JWKs (run `npm run setup` to generate it into .env)" })
    .transform(parsedBy(parseVerifyKeys)),
};

/** A zod transform from a parser that throws a message naming what is wrong (never the value). */
function parsedBy<T>(parse: (value: string) => T) {
  return (value: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  };
}

/**
 * Loads the repository's `.env` (written by `npm run setup` with a generated JWT_SECRET) into
 * process.env without overriding variables that are already set.
 */
export function loadDotEnv(from: string = process.cwd()): void {
  let dir = from;
  for (;;) {
    const candidate = join(dir, ".env");
    if (existsSync(candidate) && existsSync(join(dir, "supergraph.yaml"))) {
      process.loadEnvFile(candidate);
      return;
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** The database URL of one service: `<SERVICE>_DATABASE_URL`, else DATABASE_URL, else the local default. */
export function serviceDatabaseUrl(service: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`${service.toUpperCase()}_DATABASE_URL`] ?? env.DATABASE_URL ?? envVars.postgresUrl.parse(undefined);
}

/** A URL safe to print: the password replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
