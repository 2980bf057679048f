import type { z } from "zod";

/**
 * One part of the configuration, declared beside the feature it configures: a zod object whose
 * keys are the options (camelCase, each ending in `.describe()` so docs/configuration.md can list
 * it), where it sits in fedplat.config.yaml, and how the environment names each option.
 */
export interface ConfigSection<S extends z.ZodObject = z.ZodObject> {
  /** Dot path of the section in fedplat.config.yaml, e.g. "gateway.subscriptions". */
  path: string;
  schema: S;
  /** Environment variable of option `key`: `names[key]`, else `prefix` + CONSTANT_CASE(key). */
  env?: { prefix?: string; names?: Partial<Record<keyof z.infer<S> & string, string>> };
  /**
   * Families of variables that fill a map option: SUBGRAPH_ACCOUNTS_URL=... becomes
   * `subgraphUrls: { ACCOUNTS: "..." }`. The pattern's first group is the map's key.
   */
  envMaps?: { option: keyof z.infer<S> & string; pattern: RegExp }[];
  /** Options printed as *** by `npm run config -- --print` and in errors. */
  secrets?: (keyof z.infer<S> & string)[];
}

/** Declares a section; an identity function that keeps the schema's type for loadConfig. */
export function defineSection<S extends z.ZodObject>(section: ConfigSection<S>): ConfigSection<S> {
  return section;
}

/** `maxPerConnection` -> `MAX_PER_CONNECTION`. */
export function constantCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The environment variable that sets `key` of `section`, or undefined when the environment cannot. */
export function envNameOf(section: ConfigSection, key: string): string | undefined {
  const named = (section.env?.names as Record<string, string> | undefined)?.[key];
  if (named) return named;
  if (section.envMaps?.some((map) => map.option === key)) return undefined; // a family of variables sets it
  return section.env?.prefix === undefined ? undefined : `${section.env.prefix}${constantCase(key)}`;
}

export function isSecret(section: ConfigSection, key: string): boolean {
  return (section.secrets as string[] | undefined)?.includes(key) ?? false;
}
