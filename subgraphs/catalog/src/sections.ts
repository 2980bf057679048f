import { subgraphSectionsOf } from "@fedplat/subgraph";

/** The catalog process's configuration sections, for `npm run config`. */
export const catalogSections = subgraphSectionsOf("catalog", 4002);
