import raw from "../../../services.json";
import { parseRegistry, type Service } from "./derive";

export { envKeyOf, parseRegistry, queueOf, RegistryError, type Service } from "./derive";
export type { Registry, ServiceEntry } from "./registry";

/** services.json, validated at load: a broken registry fails every process at start, naming the field. */
export const registry = parseRegistry(raw);

/** Every service, in registry order. */
export const SERVICES: readonly Service[] = registry.services;

/** Services that own a database schema (migrations, seed, event tables). */
export const DATABASE_SERVICES: readonly Service[] = SERVICES.filter((service) => service.database !== null);

/** Services whose events the workers consume, each on its own queue. */
export const CONSUMER_SERVICES: readonly Service[] = SERVICES.filter((service) => service.consumesEvents);

/** Services with event tables (an outbox, processed events): they consume or publish events, and the workers relay them. */
export const EVENT_SERVICES: readonly Service[] = SERVICES.filter(
  (service) => service.consumesEvents || service.produces.length > 0,
);

/** Services that publish events (and so hold a signing key). */
export const PRODUCER_SERVICES: readonly Service[] = SERVICES.filter((service) => service.produces.length > 0);

/** The registry entry of `name`; throws for a name the registry does not hold. */
export function serviceNamed(name: string): Service {
  const found = SERVICES.find((service) => service.name === name);
  if (!found)
    throw new Error(
      `no service "${name}" in services.json (services: ${SERVICES.map((service) => service.name).join(", ")})`,
    );
  return found;
}
