import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EventServiceModule } from "@fedplat/event-store";
import { EVENT_SERVICES } from "@fedplat/registry";

const repoRoot = resolve(__dirname, "../..");

/**
 * The event services of services.json, each loaded from the `eventService` export of its package's
 * `./workers` entry (package found through the package.json in its folder), so the workers host a
 * new service with no code of theirs. Throws at start naming every service whose package does not
 * export one.
 */
export function loadEventServices(
  load: (packageName: string) => unknown = require,
): Readonly<Record<string, EventServiceModule>> {
  const problems: string[] = [];
  const modules: Record<string, EventServiceModule> = {};
  for (const service of EVENT_SERVICES) {
    const { name: packageName } = JSON.parse(readFileSync(join(repoRoot, service.folder, "package.json"), "utf8")) as {
      name: string;
    };
    const module = (load(`${packageName}/workers`) as { eventService?: Partial<EventServiceModule> }).eventService;
    if (typeof module?.createPrisma !== "function" || typeof module.createHandlers !== "function")
      problems.push(
        `${service.name}: ${packageName}/workers exports no eventService (see @fedplat/event-store defineEventService)`,
      );
    else modules[service.name] = module as EventServiceModule;
  }
  if (problems.length)
    throw new Error(`services.json lists events for services the workers cannot host:\n  ${problems.join("\n  ")}`);
  return modules;
}
