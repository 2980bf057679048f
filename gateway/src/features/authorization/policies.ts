import { isAbsolute, resolve } from "node:path";
import type { Viewer } from "@fedplat/auth";
import { ConfigError } from "@fedplat/runtime";

/** What a policy is asked about: who calls, and which operation. */
export interface PolicyRequest {
  /** The verified caller (token or API key); null without credentials. */
  viewer: Viewer | null;
  /** The client's operation name, when it has one. */
  operationName: string | null;
}

/** Decides one `@policy` name: true lets the caller see the fields that name it. Throwing counts as false. */
export type PolicyDecider = (request: PolicyRequest) => boolean | Promise<boolean>;

/** Policy name (as written in `@policy(policies: [["name"]])`) -> its decider. */
export type Policies = Readonly<Record<string, PolicyDecider>>;

/** What a module named by AUTHORIZATION_POLICIES is given. */
export interface PoliciesContext {
  /** The platform's roles (identity configuration). */
  roles: readonly string[];
}

/** What a module named by AUTHORIZATION_POLICIES exports as `createPolicies`. */
export type PoliciesFactory = (context: PoliciesContext) => Policies | Promise<Policies>;

/** `role:<ROLE>` for each platform role: the caller holds that role (after the session check's current role). */
export function rolePolicies(roles: readonly string[]): Policies {
  return Object.fromEntries(
    roles.map((role) => [`role:${role}`, ({ viewer }: PolicyRequest) => viewer?.roles.includes(role) ?? false]),
  );
}

const refuse = (spec: string, why: string) =>
  new ConfigError(`Invalid configuration:\n  AUTHORIZATION_POLICIES: ${JSON.stringify(spec)} ${why}`);

/**
 * The built-in role policies, plus (and over) those given in code or by the module `spec` names: a
 * path (absolute, or relative to the working directory) or a package exporting
 * `createPolicies(context)`. Loaded once at start, like API_KEY_RESOLVER (identity/apiKeyResolvers.ts).
 */
export async function loadPolicies(spec: Policies | string | undefined, context: PoliciesContext): Promise<Policies> {
  const builtIn = rolePolicies(context.roles);
  if (!spec) return builtIn;
  if (typeof spec !== "string") return { ...builtIn, ...spec };
  const target = spec.startsWith(".") || isAbsolute(spec) ? resolve(process.cwd(), spec) : spec;
  let loaded: { createPolicies?: unknown; default?: { createPolicies?: unknown } };
  try {
    loaded = await import(target);
  } catch (error) {
    throw refuse(spec, `cannot be loaded: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  const factory = loaded.createPolicies ?? loaded.default?.createPolicies;
  if (typeof factory !== "function") throw refuse(spec, "does not export createPolicies(context)");
  const policies = (await (factory as PoliciesFactory)(context)) as unknown;
  if (typeof policies !== "object" || policies === null)
    throw refuse(spec, "createPolicies returned no { name: decider } object");
  for (const [name, decider] of Object.entries(policies))
    if (typeof decider !== "function") throw refuse(spec, `policy "${name}" is not a function`);
  return { ...builtIn, ...(policies as Policies) };
}
