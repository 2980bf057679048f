import { liveUpdatesSection } from "./liveUpdates";
import { eventPiiSection } from "./sealing";
import { eventSigningSection } from "./signing";

/** The configuration sections of @fedplat/events, for `npm run config` (each process loads those it uses). */
export const eventsSections = {
  liveUpdates: liveUpdatesSection,
  eventSigning: eventSigningSection,
  eventPii: eventPiiSection,
};
