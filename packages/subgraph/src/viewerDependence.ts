import type { ApolloServerPlugin } from "@apollo/server";
import {
  type TrackedViewer,
  trackViewerReads,
  VIEWER_DEPENDENCE_EXTENSION,
  VIEWER_DEPENDENCE_HEADER,
  type Viewer,
  type ViewerDependence,
} from "@fedplat/auth";

/**
 * Where a request's context keeps its tracked viewer: a symbol-keyed property, because Apollo runs
 * each operation with a shallow copy of the context object (Object.assign copies symbol keys).
 */
const TRACKED = Symbol("fedplat.trackedViewer");

/**
 * Builds a request's context around its viewer with identity reads recorded (trackViewerReads):
 * everything the request runs (rules, resolvers, loaders, entity references, errors) reads the
 * viewer through the context, so what it read is known when the response is sent.
 */
export function withTrackedViewer<T extends object>(viewer: Viewer | null, build: (viewer: Viewer | null) => T): T {
  const tracked = trackViewerReads(viewer);
  const context = build(tracked.viewer);
  Object.defineProperty(context, TRACKED, { value: tracked, enumerable: true });
  return context;
}

interface DependenceContext {
  viewer: Viewer | null;
  caller: { kind: string };
}

/**
 * Tells the gateway, when it asks (VIEWER_DEPENDENCE_HEADER), whether this answer depended on who
 * the viewer is or only on their class (kind, roles, scopes, tenant): `extensions.viewerDependence`
 * "identity" or "role". "role" only when the request was a query from the gateway, the context's
 * viewer is still the tracked one (not replaced), and nothing read the viewer's id; the gateway
 * reads a missing extension as "identity" and removes it before any client sees a response.
 */
export function useViewerDependence<TContext extends DependenceContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ request }) {
      if (request.http?.headers.get(VIEWER_DEPENDENCE_HEADER) !== "1") return;
      return {
        async willSendResponse({ response, contextValue, operation }) {
          if (response.body.kind !== "single") return;
          const tracked = (contextValue as { [TRACKED]?: TrackedViewer })[TRACKED];
          const dependence: ViewerDependence =
            tracked !== undefined &&
            contextValue.caller.kind === "gateway" &&
            operation?.operation === "query" &&
            contextValue.viewer === tracked.viewer && // not replaced (say by a login)
            !tracked.identityRead()
              ? "role"
              : "identity";
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, [VIEWER_DEPENDENCE_EXTENSION]: dependence };
        },
      };
    },
  };
}
