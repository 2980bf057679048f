import type { Viewer } from "@fedplat/common";

/** Per request at the gateway: the verified caller and the headers every subgraph receives. */
export interface GatewayContext {
  requestId: string;
  viewer: Viewer | null;
  /** Signed once per request (the viewer's identity, for subgraphs to verify) and sent to each subgraph. */
  subgraphHeaders: Record<string, string>;
}
