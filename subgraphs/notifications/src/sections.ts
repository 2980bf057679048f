import { subgraphSectionsOf } from "@fedplat/subgraph";

/** The notifications process's configuration sections, for `npm run config`. */
export const notificationsSections = subgraphSectionsOf("notifications", 4005);
