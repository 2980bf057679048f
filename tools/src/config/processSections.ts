import { accountsSections } from "@fedplat/accounts";
import { catalogSections } from "@fedplat/catalog";
import { gatewaySections } from "@fedplat/gateway";
import { notificationsSections } from "@fedplat/notifications";
import { ordersSections } from "@fedplat/orders";
import { paymentsSections } from "@fedplat/payments";
import type { ConfigSection } from "@fedplat/runtime";
import { workersSections } from "@fedplat/workers";
import { toolsSections } from "../composition/compositionConfig";

/** Every process of the platform and the configuration sections it reads (what `npm run config` knows). */
export const PROCESS_SECTIONS: Record<string, Record<string, ConfigSection>> = {
  gateway: gatewaySections,
  accounts: accountsSections,
  catalog: catalogSections,
  orders: ordersSections,
  payments: paymentsSections,
  notifications: notificationsSections,
  workers: workersSections,
  tools: toolsSections,
};

/** Each section once, in a stable order (shared ones such as redis appear under several processes). */
export function allSections(): ConfigSection[] {
  const seen = new Set<ConfigSection>();
  for (const sections of Object.values(PROCESS_SECTIONS))
    for (const section of Object.values(sections)) seen.add(section);
  return [...seen].sort((a, b) => a.path.localeCompare(b.path));
}
