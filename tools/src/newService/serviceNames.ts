/** Every spelling of a new service's name that its files use, derived from the plural name given. */
export interface ServiceNames {
  /** The service and its plural fields: `tickets`. */
  name: string;
  /** `Tickets` (function names: buildTicketsServer). */
  Name: string;
  /** `ticket`. */
  singular: string;
  /** `Ticket` (the entity). */
  Singular: string;
  /** `TICKETS` (environment variables). */
  NAME: string;
}

/** A name the generator refuses; the CLI prints `message` and exits 2 with nothing written. */
export class ServiceNameError extends Error {
  override name = "ServiceNameError";
}

/**
 * Names that mean something else here: the platform's processes and folders, its packages
 * (`@fedplat/<name>`), the user entity, and words GraphQL or JavaScript give a meaning.
 */
const RESERVED = new Set([
  ...["gateway", "workers", "operations", "tools", "tests", "bench", "prisma", "infra", "schema", "scripts", "docs"],
  ...["auth", "client", "devkit", "events", "registry", "runtime", "subgraph", "subgraphs", "telemetry", "fedplat"],
  ...["user", "users", "viewer", "viewers", "me", "node", "nodes", "entities", "service", "services"],
  ...["query", "queries", "mutation", "mutations", "subscription", "subscriptions", "fragment", "fragments"],
  ...["type", "types", "input", "inputs", "enum", "enums", "scalar", "scalars", "interface", "interfaces"],
  ...["union", "unions", "directive", "directives", "extend", "implements", "on", "true", "false", "null"],
  ...["class", "classes", "new", "delete", "default", "function", "functions", "this", "constructor"],
]);

const IDENTIFIER = /^[a-z][a-z0-9]*$/;

/** `tickets` -> `ticket`, `categories` -> `category`; undefined when the name does not read as a plural. */
function singularOf(plural: string): string | undefined {
  if (/[^aeiou]ies$/.test(plural)) return `${plural.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(plural) || !plural.endsWith("s")) return undefined;
  return plural.slice(0, -1);
}

const capitalized = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

/** Checks a new service's name (a lowercase plural identifier such as `tickets`) and spells it every way its files need. */
export function serviceNamesOf(name: string): ServiceNames {
  if (!IDENTIFIER.test(name) || name.length > 30)
    throw new ServiceNameError(
      `"${name}" is not a service name: use a lowercase plural identifier of letters and digits, up to 30 characters (e.g. tickets)`,
    );
  if (RESERVED.has(name)) throw new ServiceNameError(`"${name}" is reserved: the platform uses that name already`);
  const singular = singularOf(name);
  if (!singular || singular.length < 2)
    throw new ServiceNameError(
      `"${name}" is not a plural: the service is named after what it holds, in the plural (tickets -> Ticket)`,
    );
  if (RESERVED.has(singular)) throw new ServiceNameError(`"${name}" is reserved: its entity would be "${singular}"`);
  return { name, Name: capitalized(name), singular, Singular: capitalized(singular), NAME: name.toUpperCase() };
}
