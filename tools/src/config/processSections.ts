import { gatewaySections } from "@fedplat/gateway";
import type { ConfigSection } from "@fedplat/runtime";

/** Every process of the platform and the configuration sections it reads (what `npm run config` knows). */
export const PROCESS_SECTIONS: Record<string, Record<string, ConfigSection>> = {
  gateway: gatewaySections,
};

/** Each section once, in a stable order (shared ones such as redis appear under several processes). */
export function allSections(): ConfigSection[] {
  const seen = new Set<ConfigSection>();
  for (const sections of Object.values(PROCESS_SECTIONS))
    for (const section of Object.values(sections)) seen.add(section);
  return [...seen].sort((a, b) => a.path.localeCompare(b.path));
}
