import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "./envVars";

export const CONFIG_FILE_NAME = "fedplat.config.yaml";

/** A parsed configuration file and where it came from (for error messages). */
export interface ConfigFile {
  path?: string;
  values: Record<string, unknown>;
}

/**
 * The file FEDPLAT_CONFIG names, else fedplat.config.yaml in the working directory or the
 * nearest parent that is the repository root; no file is an empty configuration.
 */
export function findConfigFile(env: NodeJS.ProcessEnv, from: string = process.cwd()): string | undefined {
  if (env.FEDPLAT_CONFIG) return resolve(from, env.FEDPLAT_CONFIG);
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, "services.json")) || dirname(dir) === dir) return undefined;
  }
}

export function readConfigFile(path: string | undefined): ConfigFile {
  if (path === undefined) return { values: {} };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ConfigError(`Invalid configuration:\n  ${path}: cannot be read (FEDPLAT_CONFIG names a missing file?)`);
  }
  let values: unknown;
  try {
    // Required only when there is a file: most deployments configure by environment alone, and the
    // YAML parser is 72 modules every process would otherwise keep loaded (bench/memory.ts).
    const { parse } = require("yaml") as typeof import("yaml");
    values = parse(text) ?? {};
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  ${path}: not valid YAML (${(error as Error).message.split("\n")[0]})`,
    );
  }
  if (typeof values !== "object" || Array.isArray(values))
    throw new ConfigError(`Invalid configuration:\n  ${path}: must be a mapping of sections`);
  return { path, values: values as Record<string, unknown> };
}

/** The value at a dot path of the file ("gateway.limits"), or undefined. */
export function valueAt(values: Record<string, unknown>, path: string): unknown {
  let value: unknown = values;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
