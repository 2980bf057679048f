import { IDENTITY_HEADER } from "@fedplat/auth";

/** One header the gateway copies from the client request to a subgraph call. */
export interface HeaderRule {
  /** The client request's header (lower case). */
  name: string;
  /** The name the subgraph receives it under. @default name */
  rename?: string;
  /** Sent when the client did not send the header. @default not sent */
  default?: string;
}

/** Headers that carry the client's credentials: propagated only with `allowCredentialHeaders`. */
export const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization", "x-api-key"]);

/** Headers the gateway sets itself or HTTP owns: never taken from a client. */
const RESERVED_HEADERS = new Set([
  IDENTITY_HEADER,
  "x-request-id",
  "content-type",
  "content-length",
  "transfer-encoding",
  "host",
  "connection",
  "keep-alive",
  "te",
  "upgrade",
  "expect",
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * A rule written as `name[:rename][=default]`, e.g. `accept-language`, `x-tenant:x-tenant-id`,
 * `x-client-version:x-app-version=unknown`. Throws with what is wrong.
 */
export function parseHeaderRule(text: string): HeaderRule {
  const [names = "", ...defaultParts] = text.split("=");
  const [name = "", rename, ...extra] = names.split(":").map((part) => part.trim().toLowerCase());
  if (extra.length > 0) throw new Error(`"${text}": write name, name:rename, name=default or name:rename=default`);
  return {
    name,
    ...(rename ? { rename } : {}),
    ...(defaultParts.length > 0 ? { default: defaultParts.join("=").trim() } : {}),
  };
}

/** Why a rule may not be used, or undefined. */
export function ruleProblem(rule: HeaderRule, allowCredentialHeaders: boolean): string | undefined {
  for (const header of [rule.name, rule.rename ?? rule.name]) {
    if (!TOKEN.test(header)) return `"${header}" is not a header name`;
    if (RESERVED_HEADERS.has(header)) return `"${header}" is set by the gateway or HTTP, never by a client`;
    if (CREDENTIAL_HEADERS.has(header) && !allowCredentialHeaders)
      return `"${header}" carries the client's credentials: set allowCredentialHeaders to forward it`;
  }
  if (rule.default !== undefined && /[\r\n\0]/.test(rule.default))
    return `the default of "${rule.name}" has a line break`;
  return undefined;
}
