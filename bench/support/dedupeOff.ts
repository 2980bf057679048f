/**
 * A gateway's environment with in-flight deduplication off at both levels: no execution shared by
 * identical queries (OPERATION_DEDUPE) and no subgraph fetch shared (SUBGRAPH_DEDUPE). What the
 * executor itself costs per request, as under traffic with no identical concurrent requests.
 */
export const DEDUPE_OFF = { SUBGRAPH_DEDUPE: "false", OPERATION_DEDUPE: "false" } as const;

/** How the tables name a gateway run with DEDUPE_OFF. */
export const DEDUPE_OFF_LABEL = "SUBGRAPH_DEDUPE=false OPERATION_DEDUPE=false";
