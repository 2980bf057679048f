import type { Viewer } from "@fedplat/auth";

/** Per request at the gateway: the verified caller and the headers every subgraph receives. */
export interface GatewayContext {
  requestId: string;
  viewer: Viewer | null;
  /** The client's address as express sees it (TRUST_PROXY decides which hop), for per-IP limits; absent in the gateway's own executions (subscription re-queries). */
  clientIp?: string;
  /** Sent to each subgraph (the request id), next to the viewer's identity signed for that subgraph. */
  subgraphHeaders: Record<string, string>;
  /** Progressive @override labels on or off for this request (features/progressiveOverride); read by the patched planner. */
  overrideConditions?: ReadonlyMap<string, boolean>;
  /** Deferred fragments may come as later parts (features/defer; a subscription whose document defers, executeAsViewer.ts); otherwise @defer is ignored. Read by the patched executor. */
  incrementalDelivery?: boolean;
  /**
   * Set by the gateway's own executions that may be shared between viewers of one class
   * (subscription events, executeAsViewer.ts): each subgraph fetch counts here, and each answer
   * that said it depended only on the viewer's class (`extensions.viewerDependence: "role"`).
   */
  viewerDependence?: { fetches: number; roleAnswers: number };
}
