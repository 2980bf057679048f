/** Whether an Origin header is allowed; built once from the configured entries. */
export type OriginCheck = (origin: string) => boolean;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Compiles the configured origins: an exact origin, a wildcard where `*` stands for one or more
 * DNS labels ("https://*.example.com" allows "https://a.b.example.com" but not
 * "https://example.com" or "https://evil.com/.example.com"), or a `/regular expression/`.
 * Throws on an entry that is none of these.
 */
export function originCheck(entries: readonly string[]): OriginCheck {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    if (entry.length > 2 && entry.startsWith("/") && entry.endsWith("/")) {
      patterns.push(new RegExp(entry.slice(1, -1)));
    } else if (entry.includes("*")) {
      if (!/^https?:\/\/\*\.[^*/]+$/.test(entry))
        throw new Error(`"${entry}": a wildcard origin is a scheme, "*." and a domain, e.g. https://*.example.com`);
      const [scheme, domain] = entry.split("://*.");
      patterns.push(new RegExp(`^${escapeRegExp(scheme ?? "")}://([a-z0-9-]+\\.)+${escapeRegExp(domain ?? "")}$`, "i"));
    } else {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new Error(`"${entry}" is not an origin (scheme://host[:port])`);
      }
      if (url.origin !== entry.replace(/\/$/, "").toLowerCase())
        throw new Error(`"${entry}" is not an origin (scheme://host[:port], no path)`);
      exact.add(url.origin);
    }
  }
  return (origin) => exact.has(origin.toLowerCase()) || patterns.some((pattern) => pattern.test(origin));
}
