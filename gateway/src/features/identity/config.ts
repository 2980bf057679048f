import { ACCOUNTS_AUDIENCE, ACCOUNTS_ISSUER, parseSigningKeys, type TokenIssuer } from "@fedplat/auth";
import { ConfigError, defineSection, envVars, loadConfig } from "@fedplat/runtime";
import { z } from "zod";

/*
 * Identity is configuration (docs/identity.md): which roles exist, which of them read everyone's
 * data, which token issuers the gateway trusts and how each one's claims become a Viewer, and who
 * resolves API keys. The defaults are the demo's: accounts' HS256 tokens with roles
 * CUSTOMER/STAFF/ADMIN. `identityConfigSchema` is a plain zod object so a config file can feed it;
 * `loadIdentityConfig` builds the same object from the environment.
 */

const roleName = z.string().min(1).max(128).regex(/^\S+$/, "must not contain spaces");
const claimPath = z.string().min(1).max(256);
const secret = z.string().min(32, "must be at least 32 characters");
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;

/** One trusted issuer, as an operator writes it (JSON in IDENTITY_ISSUERS, or the config file). */
export const issuerSchema = z
  .object({
    /** The exact `iss` of its tokens. */
    issuer: z.string().min(1),
    /** The `aud` its tokens must carry: one value, or a list (any of them). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** An identity provider's key set (e.g. https://idp.example/realms/x/protocol/openid-connect/certs). */
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Shared secrets instead of a JWKS (the built-in accounts issuer): `secret` and/or `keys` (kid -> secret). */
    hs256: z
      .object({
        secret: secret.optional(),
        keys: z.record(z.string().regex(KEY_ID, "key ids are letters, digits, _ . -"), secret).optional(),
      })
      .strict()
      .refine((keys) => keys.secret || Object.keys(keys.keys ?? {}).length > 0, "needs a secret or keys")
      .optional(),
    /** Accepted signature algorithms of a JWKS issuer. @default ["RS256", "PS256", "ES256", "EdDSA"] */
    algorithms: z.array(z.enum(ASYMMETRIC)).min(1).optional(),
    /** Where the viewer's parts are in the token: dot paths; a claim name with dots is found whole first. */
    claims: z
      .object({
        id: claimPath.default("sub"),
        roles: claimPath.default("role"),
        scopes: claimPath.default("scope"),
        tenant: claimPath.optional(),
      })
      .strict()
      .default({ id: "sub", roles: "role", scopes: "scope" }),
    /** External role -> platform role; when set, unmapped external roles are ignored. */
    roleMap: z.record(z.string().min(1), roleName).optional(),
    /** Check each token's session with accounts (its users are accounts' users). @default true for hs256, false for a JWKS */
    sessions: z.boolean().optional(),
  })
  .strict()
  .superRefine((issuer, ctx) => {
    if (!issuer.jwksUrl === !issuer.hs256)
      ctx.addIssue({ code: "custom", message: "needs exactly one of jwksUrl or hs256", path: [] });
  })
  .transform(
    (issuer): TokenIssuer => ({
      issuer: issuer.issuer,
      audience: issuer.audience,
      keys: issuer.hs256 ? { kind: "hs256", ...issuer.hs256 } : { kind: "jwks", url: issuer.jwksUrl ?? "" },
      ...(issuer.algorithms ? { algorithms: issuer.algorithms } : {}),
      claims: issuer.claims,
      ...(issuer.roleMap ? { roleMap: issuer.roleMap } : {}),
      ...(issuer.sessions !== undefined ? { sessions: issuer.sessions } : {}),
    }),
  );

export const identityConfigSchema = z
  .object({
    /** Every platform role; token roles outside it are dropped. */
    roles: z.array(roleName).min(1).default(["CUSTOMER", "STAFF", "ADMIN"]),
    /**
     * Roles that may read every user's private data (the services' staff rules): the response
     * cache renews their private entries on any change, not only on changes of what they own.
     */
    staffRoles: z.array(roleName).default(["STAFF", "ADMIN"]),
    /** Trusted token issuers; a token's `iss` picks one, others are refused (401, reason UNKNOWN_ISSUER). */
    issuers: z.array(issuerSchema).min(1, "at least one token issuer is needed"),
    /**
     * Who resolves x-api-key: "accounts" (accounts' API keys), or a module path (absolute, or
     * relative to the working directory) exporting `createApiKeyResolver(context)` (apiKeyResolvers.ts).
     */
    apiKeyResolver: z.string().min(1).default("accounts"),
  })
  .strict()
  .superRefine((config, ctx) => {
    const roles = new Set(config.roles);
    for (const [index, role] of config.staffRoles.entries())
      if (!roles.has(role))
        ctx.addIssue({ code: "custom", message: `"${role}" is not in roles`, path: ["staffRoles", index] });
    const seen = new Set<string>();
    for (const [index, issuer] of config.issuers.entries()) {
      if (seen.has(issuer.issuer))
        ctx.addIssue({
          code: "custom",
          message: `issuer "${issuer.issuer}" is listed twice`,
          path: ["issuers", index, "issuer"],
        });
      seen.add(issuer.issuer);
      for (const [from, to] of Object.entries(issuer.roleMap ?? {}))
        if (!roles.has(to))
          ctx.addIssue({
            code: "custom",
            message: `maps to "${to}", which is not in roles`,
            path: ["issuers", index, "roleMap", from],
          });
    }
  });

export type IdentityConfig = z.infer<typeof identityConfigSchema>;
export type IdentityConfigInput = z.input<typeof identityConfigSchema>;

/** A comma-separated list in the environment, an array in the file. */
const list = z.union([
  z.array(roleName),
  z.string().transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  ),
]);

/**
 * The identity section: today's JWT_* variables as shorthand for one issuer, plus the full list
 * of issuers (IDENTITY_ISSUERS: JSON in the environment, a list in fedplat.config.yaml), the
 * roles, the API-key resolver, and the gateway's own key and session-check interval.
 */
export const identitySection = defineSection({
  path: "gateway.identity",
  schema: z.object({
    secret: envVars.secret
      .optional()
      .describe("HS256 secret of accounts' access tokens (tokens without a kid); `npm run setup` generates it"),
    signingKeys: z
      .string()
      .min(1)
      .optional()
      .describe('Verification keys by id, "k2:<secret>,k1:<secret>": a token is checked with the key its kid names'),
    jwksUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        "One identity provider's JWKS (with issuer and audience; roles in the role claim) instead of accounts' HS256 issuer",
      ),
    issuer: z.string().min(1).optional().describe("Required with jwksUrl: the provider's iss"),
    audience: z.string().min(1).optional().describe("Required with jwksUrl: the aud tokens must carry"),
    issuers: z
      .union([z.array(z.unknown()), z.string().min(1)])
      .optional()
      .describe(
        "More trusted issuers with their claim mapping (docs/identity.md): a list in the file, JSON in the environment",
      ),
    roles: list
      .optional()
      .describe("Every platform role (default CUSTOMER,STAFF,ADMIN); token roles outside it are dropped"),
    staffRoles: list.optional().describe("Roles that read every user's data (default STAFF,ADMIN)"),
    apiKeyResolver: z
      .string()
      .min(1)
      .optional()
      .describe('Who resolves x-api-key: "accounts" (default) or a module exporting createApiKeyResolver'),
    sessionCheckMs: envVars.sessionCheckMs.describe(
      "How long a replica reuses a user's session state: logout and role changes apply within this",
    ),
  }),
  env: {
    prefix: "JWT_",
    names: {
      issuers: "IDENTITY_ISSUERS",
      roles: "IDENTITY_ROLES",
      staffRoles: "IDENTITY_STAFF_ROLES",
      apiKeyResolver: "API_KEY_RESOLVER",
      sessionCheckMs: "SESSION_CHECK_MS",
    },
  },
  secrets: ["secret", "signingKeys", "issuers"],
});

type IdentitySettings = z.infer<typeof identitySection.schema>;

const invalid = (lines: string[]) =>
  new ConfigError(`Invalid configuration:\n${lines.map((line) => `  ${line}`).join("\n")}`);

/** The issuer the JWT_* shorthand stands for, if any (JWT_JWKS_URL wins over HS256, as before issuers were configurable). */
function shorthandIssuer(settings: IdentitySettings): z.input<typeof issuerSchema> | undefined {
  if (settings.jwksUrl) {
    const missing = (["issuer", "audience"] as const).filter((name) => !settings[name]);
    if (missing.length)
      throw invalid(missing.map((name) => `JWT_${name.toUpperCase()}: required when JWT_JWKS_URL is set`));
    return { issuer: settings.issuer ?? "", audience: settings.audience ?? "", jwksUrl: settings.jwksUrl };
  }
  let keys: Record<string, string> | undefined;
  if (settings.signingKeys) {
    try {
      keys = Object.fromEntries(parseSigningKeys(settings.signingKeys));
    } catch (error) {
      throw invalid([`JWT_SIGNING_KEYS: ${(error as Error).message}`]);
    }
  }
  if (!keys && !settings.secret) return undefined;
  return {
    issuer: ACCOUNTS_ISSUER,
    audience: ACCOUNTS_AUDIENCE,
    hs256: { ...(keys ? { keys } : {}), ...(settings.secret ? { secret: settings.secret } : {}) },
  };
}

/** Where a problem in the assembled identity object came from, named as the operator wrote it. */
function variableOf(path: readonly PropertyKey[], shorthand: number): string {
  const [head, index, ...rest] = path;
  const tail = rest.map(String).join(".");
  if (head === "issuers" && typeof index === "number" && index >= shorthand)
    return `IDENTITY_ISSUERS[${index - shorthand}]${tail ? `.${tail}` : ""}`;
  if (head === "issuers") return `JWT_* issuer${tail ? ` ${tail}` : ""}`;
  if (head === "roles") return "IDENTITY_ROLES";
  if (head === "staffRoles") return "IDENTITY_STAFF_ROLES";
  return String(head ?? "identity");
}

/**
 * The identity configuration from the section: JWT_SECRET / JWT_SIGNING_KEYS (accounts' HS256
 * issuer) or JWT_JWKS_URL + JWT_ISSUER + JWT_AUDIENCE (one identity provider), then the issuers
 * of IDENTITY_ISSUERS, IDENTITY_ROLES, IDENTITY_STAFF_ROLES and API_KEY_RESOLVER.
 */
export function identityConfigOf(vars: IdentitySettings): IdentityConfig {
  const shorthand = shorthandIssuer(vars);
  let listed: unknown[] = [];
  if (typeof vars.issuers === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(vars.issuers);
    } catch {
      throw invalid(["IDENTITY_ISSUERS: must be a JSON array of issuers (see docs/identity.md)"]);
    }
    if (!Array.isArray(parsed))
      throw invalid(["IDENTITY_ISSUERS: must be a JSON array of issuers (see docs/identity.md)"]);
    listed = parsed;
  } else if (vars.issuers) listed = vars.issuers;
  if (!shorthand && listed.length === 0)
    throw invalid([
      "JWT_SECRET: required (at least 32 characters) unless JWT_SIGNING_KEYS, JWT_JWKS_URL or IDENTITY_ISSUERS is set (run `npm run setup` to generate one into .env)",
    ]);
  const input = {
    ...(vars.roles ? { roles: vars.roles } : {}),
    ...(vars.staffRoles ? { staffRoles: vars.staffRoles } : {}),
    issuers: [...(shorthand ? [shorthand] : []), ...listed],
    ...(vars.apiKeyResolver ? { apiKeyResolver: vars.apiKeyResolver } : {}),
  };
  const result = identityConfigSchema.safeParse(input);
  if (result.success) return result.data;
  // Messages name the variable and the field, never a value (issuers may hold secrets).
  throw invalid(result.error.issues.map((issue) => `${variableOf(issue.path, shorthand ? 1 : 0)}: ${issue.message}`));
}

/** Tests and embedders: the identity configuration from `env` alone. */
export function loadIdentityConfig(env: NodeJS.ProcessEnv): IdentityConfig {
  return identityConfigOf(loadConfig({ identity: identitySection }, { env, file: false }).identity);
}

/** The demo's identity with accounts' HS256 issuer: what tests and local runs use (`keys` as JWT_SECRET / JWT_SIGNING_KEYS). */
export function accountsIdentity(
  keys: { secret?: string; keys?: Record<string, string> },
  overrides: Omit<IdentityConfigInput, "issuers"> = {},
): IdentityConfig {
  return identityConfigSchema.parse({
    ...overrides,
    issuers: [{ issuer: ACCOUNTS_ISSUER, audience: ACCOUNTS_AUDIENCE, hs256: keys }],
  });
}
