import { subgraphSectionsOf } from "@fedplat/subgraph";
import { paymentProviderSection } from "./provider/config";

/** The payments process's configuration sections, for `npm run config`. */
export const paymentsSections = { ...subgraphSectionsOf("payments", 4004), paymentProvider: paymentProviderSection };
