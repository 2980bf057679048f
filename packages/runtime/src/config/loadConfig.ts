import type { z } from "zod";
import { type ConfigFile, findConfigFile, readConfigFile, valueAt } from "./configFile";
import { ConfigError, loadDotEnv } from "./envVars";
import { type ConfigSection, envNameOf, isSecret } from "./section";

export type ConfigOf<T extends Record<string, ConfigSection>> = { [K in keyof T]: z.infer<T[K]["schema"]> };

export interface LoadConfigOptions {
  /** @default process.env, after the repository's .env is loaded into it */
  env?: NodeJS.ProcessEnv;
  /** A parsed file, a path, or false for none. @default FEDPLAT_CONFIG or ./fedplat.config.yaml */
  file?: ConfigFile | string | false;
}

/**
 * The process's configuration: for each section, its part of fedplat.config.yaml with the
 * environment's variables on top (the environment wins), validated by the section's schema.
 * Every problem of every section is reported at once, each naming the option, the variable and
 * where the bad value came from; secrets are never echoed. This module is the only reader of
 * process.env in the platform's code (biome's noProcessEnv keeps it so).
 */
export function loadConfig<T extends Record<string, ConfigSection>>(
  sections: T,
  options: LoadConfigOptions = {},
): ConfigOf<T> {
  const env = options.env ?? processEnv();
  const file = fileOf(options.file, env);
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  // "gateway.limits" lives inside "gateway" in the file: not an unknown option of "gateway".
  const nested = new Set(Object.values(sections).map((section) => section.path));
  for (const [name, section] of Object.entries(sections)) {
    const cached = options.env === undefined && options.file === undefined ? processCache.get(section) : undefined;
    if (cached !== undefined) {
      config[name] = cached;
      continue;
    }
    const parsed = parseSection(section, file, env, nested);
    if ("problems" in parsed) problems.push(...parsed.problems);
    else {
      config[name] = parsed.value;
      if (options.env === undefined && options.file === undefined) processCache.set(section, parsed.value);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  return config as ConfigOf<T>;
}

/** Sections already loaded from process.env: a library asking again gets the same object. */
const processCache = new Map<ConfigSection, unknown>();
let dotEnvLoaded = false;

function processEnv(): NodeJS.ProcessEnv {
  if (!dotEnvLoaded) {
    loadDotEnv();
    dotEnvLoaded = true;
  }
  // biome-ignore lint/style/noProcessEnv: the one place that reads the environment
  return process.env;
}

/** The process environment (after .env), for the few callers that must pass it on whole (child processes). */
export function environment(): NodeJS.ProcessEnv {
  return processEnv();
}

function fileOf(option: LoadConfigOptions["file"], env: NodeJS.ProcessEnv): ConfigFile {
  if (option === false) return { values: {} };
  if (typeof option === "object") return option;
  return readConfigFile(option ?? findConfigFile(env));
}

type Source = { kind: "env"; name: string } | { kind: "file" } | { kind: "default" };

/** One section's input (file, then environment) and its validation. */
function parseSection(
  section: ConfigSection,
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  otherSections: Set<string>,
): { value: unknown } | { problems: string[] } {
  const problems: string[] = [];
  const fromFile = valueAt(file.values, section.path);
  const fileName = file.path ?? "the configuration file";
  if (fromFile !== undefined && (fromFile === null || typeof fromFile !== "object" || Array.isArray(fromFile)))
    return { problems: [`  ${section.path}: must be a mapping of options (in ${fileName})`] };
  const shape = section.schema.shape as Record<string, z.ZodType>;
  const input: Record<string, unknown> = { ...(fromFile as Record<string, unknown> | undefined) };
  const sources = new Map<string, Source>();
  for (const key of Object.keys(input)) {
    if (key in shape) sources.set(key, { kind: "file" });
    else if (otherSections.has(`${section.path}.${key}`)) delete input[key];
    else problems.push(`  ${section.path}.${key}: unknown option (in ${fileName})`);
  }
  for (const key of Object.keys(shape)) {
    const name = envNameOf(section, key);
    if (name === undefined || env[name] === undefined) continue;
    input[key] = env[name];
    sources.set(key, { kind: "env", name });
  }
  for (const { option, pattern } of section.envMaps ?? []) {
    for (const [name, value] of Object.entries(env)) {
      const key = pattern.exec(name)?.[1];
      if (key === undefined || value === undefined) continue;
      input[option] = { ...(input[option] as Record<string, unknown> | undefined), [key]: value };
      sources.set(`${option}.${key}`, { kind: "env", name });
    }
  }
  const result = section.schema.safeParse(input);
  if (!result.success)
    for (const issue of result.error.issues) {
      const [key = "", sub] = issue.path.map(String);
      const source = sources.get(`${key}.${sub}`) ?? sources.get(key) ?? { kind: "default" as const };
      const option = [section.path, ...issue.path.map(String)].join(".");
      const value = valueAt(input, [key, sub].filter(Boolean).join("."));
      const shown = value === undefined ? "unset" : isSecret(section, key) ? "set, hidden" : JSON.stringify(value);
      // Lead with the name the user wrote: the variable for a value from the environment (or an
      // unset one), the option's path for a value from the file.
      const variable = source.kind === "env" ? source.name : envNameOf(section, key);
      problems.push(
        source.kind === "file" || variable === undefined
          ? `  ${option}: ${issue.message} (currently: ${shown}${source.kind === "file" ? `, in ${fileName}` : ""})`
          : `  ${variable}: ${issue.message} (currently: ${shown}; option ${option})`,
      );
    }
  return problems.length > 0 || !result.success ? { problems } : { value: result.data };
}
