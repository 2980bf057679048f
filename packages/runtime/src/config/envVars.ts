import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseEnv as parseDotEnv } from "node:util";
import { z } from "zod";

/** Thrown at start when an environment variable is missing or invalid; the message names it. */
export class ConfigError extends Error {
  override name = "ConfigError";
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
  /**
   * How long a replica reuses a user's session state (token version, role, disabled) read from
   * accounts: logout and role changes apply within it. At most 5 s (docs/security.md).
   */
  sessionCheckMs: z.coerce.number().int().min(100).max(5_000).default(3_000),
  /** An on/off switch: true/false or on/off, in the file as a boolean. */
  flag: (fallback: boolean) =>
    z
      .union([z.boolean(), z.enum(["true", "false", "on", "off"]).transform((v) => v === "true" || v === "on")])
      .default(fallback),
  /** A path to a PEM file (certificate, key or CA bundle), read at start: the option's value is the PEM text. */
  pemFile: z
    .string()
    .min(1)
    .transform((path, context) => {
      let pem: string;
      try {
        pem = readFileSync(path, "utf8");
      } catch {
        context.addIssue({ code: "custom", message: `cannot read ${path}` });
        return z.NEVER;
      }
      if (!pem.includes("-----BEGIN ")) {
        context.addIssue({ code: "custom", message: `${path} is not a PEM file` });
        return z.NEVER;
      }
      return pem;
    }),
  /** A shared secret (JWT_SECRET): generated into .env by `npm run setup`. */
  secret: z.string().min(32, "must be at least 32 characters (run `npm run setup` to generate one into .env)"),
};

/**
 * Loads the repository's `.env` (written by `npm run setup` with a generated JWT_SECRET) into
 * process.env without overriding variables that are already set.
 */
export function loadDotEnv(from: string = process.cwd()): void {
  let dir = from;
  for (;;) {
    const candidate = join(dir, ".env");
    if (existsSync(candidate) && existsSync(join(dir, "supergraph.yaml"))) {
      // Not process.loadEnvFile: it writes the native environment, which jest copies into each
      // test file's sandbox, so one test file loading .env leaked its keys into the next.
      for (const [name, value] of Object.entries(parseDotEnv(readFileSync(candidate, "utf8")))) {
        // biome-ignore lint/style/noProcessEnv: .env feeds the environment the loader reads
        process.env[name] ??= value;
      }
      return;
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
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
