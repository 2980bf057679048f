import type { Viewer } from "@fedplat/common";

/** Per request at the gateway: the verified caller and the headers subgraphs receive. */
export interface GatewayContext {
  requestId: string;
  viewer: Viewer | null;
  request: { headers: { authorization?: string; "x-request-id": string } };
}
