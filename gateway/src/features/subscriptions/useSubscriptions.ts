import type http from "node:http";
import { viewerKey } from "@fedplat/auth";
import { ErrorCode, type Logger } from "@fedplat/runtime";
import {
  type ExecutionArgs,
  getArgumentValues,
  isNonNullType,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { type Extra, useServer } from "graphql-ws/use/ws";
import type { Registry } from "prom-client";
import { WebSocketServer } from "ws";
import type { TrustedDocuments } from "../persistedDocuments";
import type { ConnectionBudget } from "../rateLimits";
import { SubscriptionCloseCode } from "./closeCodes";
import type { SubscriptionLimits } from "./config";
import { type ConnectionIdentity, ConnectionRefused } from "./connectionAuth";
import type { ExecuteAsViewer } from "./executeAsViewer";
import { type LiveFieldTable, routeKey } from "./liveFields";
import { createLivePlanner, LIVE_ID_VARIABLE, type LivePlan, SUBSCRIPTION_NOT_SERVED } from "./livePlan";
import { LiveSubscription } from "./liveSubscription";
import type { LiveUpdateHub } from "./liveUpdateHub";
import { startSessionSweep } from "./sessionSweep";
import { createSharedExecutions } from "./sharedExecutions";
import { createSubscriptionMetrics, type RefusalReason, type SubscriptionStats } from "./subscriptionMetrics";

export type { SubscriptionStats } from "./subscriptionMetrics";

export interface SubscriptionsOptions {
  /** The gateway's HTTP server: WebSocket upgrades on /graphql share its port. */
  httpServer: http.Server;
  /** The API schema (what clients may select). */
  schema: GraphQLSchema;
  /** The supergraph's `@live` declarations: how each Subscription field is served (liveFieldTable). */
  live: LiveFieldTable;
  execute: ExecuteAsViewer;
  authenticate(params: Record<string, unknown> | undefined): Promise<ConnectionIdentity>;
  /** This replica's live updates (its one Redis subscriber connection); closed by its owner, not here. */
  hub: LiveUpdateHub;
  limits: SubscriptionLimits;
  /** The gateway's operation limits, applied to subscription documents too. */
  validationRules: readonly ValidationRule[];
  maxTokens: number;
  maxVariablesBytes: number;
  logger: Logger;
  registry: Registry;
  /** Hides internal error messages in close reasons. */
  production: boolean;
  /** Per-IP budgets for connection_init (rateLimits feature): over them, 4429 before credentials are looked up. @default none */
  budget?: ConnectionBudget;
  /** The HTTP endpoint's trusted-documents check, applied to each subscribe message. */
  trustedDocuments: TrustedDocuments;
  /** How often open connections' sessions are re-checked without an event (sessionSweep.ts). */
  sessionSweepMs: number;
}

export interface Subscriptions {
  /** Resolves when live updates are being received (readiness). */
  ready(): Promise<void>;
  stats(): SubscriptionStats;
  /** Closes every connection (1001). */
  close(): Promise<void>;
  /**
   * The gateway serves a new supergraph: new subscriptions are planned against it; open ones
   * continue (each next event runs through the new schema and plans) unless their field is no
   * longer served, which ends them with a SUBSCRIPTION_FIELD_REMOVED error and `complete`.
   */
  supergraphChanged(schema: GraphQLSchema, live: LiveFieldTable): void;
}

interface ConnectionState {
  identity: ConnectionIdentity;
  userKey: string;
  socket: Extra["socket"];
  live: Set<LiveSubscription>;
  expiryTimer?: NodeJS.Timeout;
}

// graphql-ws's per-connection context object: the key of its state here.
type LiveContext = object;

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Errors that mean "not for you": such an event is dropped, never sent. */
const HIDING_CODES = new Set<string>([ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED, ErrorCode.NOT_FOUND]);
const error = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

/**
 * Federated subscriptions over graphql-ws on the gateway's own port. Producers publish "entity
 * changed" on Redis pub/sub after they commit; for each update, every matching subscription runs
 * its selection through the gateway as its subscriber, so each event carries fields from every
 * subgraph and the same permissions as a query at that moment (what a subscriber may not see is
 * dropped).
 */
export function useSubscriptions(options: SubscriptionsOptions): Subscriptions {
  const { limits, hub } = options;
  // The supergraph's schema and declarations: replaced when the gateway switches supergraphs.
  let { schema } = options;
  let plan = planner(schema, options.live);
  function planner(forSchema: GraphQLSchema, live: LiveFieldTable) {
    // A field without a valid declaration is refused per subscription, never at start: say so once.
    for (const reason of live.refused.values())
      options.logger.warn(`subscriptions: ${reason}; subscribing to it is refused (SUBSCRIPTION_NOT_SERVED)`);
    return createLivePlanner({
      schema: forSchema,
      live,
      validationRules: options.validationRules,
      maxTokens: options.maxTokens,
    });
  }
  /** The Subscription field each open subscription watches, to end those a new supergraph drops. */
  const fieldOf = new WeakMap<LiveSubscription, string>();
  const shared = createSharedExecutions(limits.executionConcurrency);
  const states = new Map<LiveContext, ConnectionState>();
  const perUser = new Map<string, number>();
  const planIds = new WeakMap<LivePlan, number>();
  let subscriptionCount = 0;
  let timerCount = 0;
  let nextPlanId = 0;

  const stats = (): SubscriptionStats => ({
    connections: states.size,
    subscriptions: subscriptionCount,
    listeners: hub.listenerCount(),
    expiryTimers: timerCount,
    users: perUser.size,
    executions: shared.size(),
  });
  const metrics = createSubscriptionMetrics(options.registry, stats);

  const closeConnection = (state: ConnectionState, code: number, reason: string, label: RefusalReason) => {
    metrics.refused(label);
    state.socket.close(code, reason);
  };

  /** The session (or API key) behind a connection ended or changed role: 4403, with or without an event. */
  const endSession = (state: ConnectionState) => {
    if (state.socket.readyState !== state.socket.OPEN) return;
    const key = state.identity.viewer.kind === "apiKey";
    closeConnection(
      state,
      SubscriptionCloseCode.Forbidden,
      key ? "API key revoked or expired" : "Session ended or role changed: log in again",
      key ? "api_key_revoked" : "session_revoked",
    );
  };
  const sweep = startSessionSweep({
    intervalMs: options.sessionSweepMs,
    connections: () => states.values(),
    identityOf: (state) => state.identity,
    onEnded: endSession,
  });

  const release = (ctx: LiveContext) => {
    const state = states.get(ctx);
    if (!state) return;
    states.delete(ctx);
    if (state.expiryTimer) {
      clearTimeout(state.expiryTimer);
      timerCount -= 1;
    }
    const open = (perUser.get(state.userKey) ?? 1) - 1;
    if (open > 0) perUser.set(state.userKey, open);
    else perUser.delete(state.userKey);
    for (const subscription of [...state.live]) subscription.close();
  };

  const wss = new WebSocketServer({ server: options.httpServer, path: "/graphql", maxPayload: limits.maxMessageBytes });
  const server = useServer<Record<string, unknown>>(
    {
      schema: () => schema,
      isProd: options.production,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        let identity: ConnectionIdentity;
        try {
          const limited = await options.budget?.admit(request);
          if (limited) {
            metrics.refused("rate_limited");
            socket.close(SubscriptionCloseCode.RateLimited, `${limited.message}; retry in ${limited.retryAfter} s`);
            return false;
          }
          identity = await options.authenticate(ctx.connectionParams);
        } catch (cause) {
          const refusal =
            cause instanceof ConnectionRefused
              ? cause
              : new ConnectionRefused(SubscriptionCloseCode.TryAgainLater, "Credentials cannot be checked right now");
          if (!(cause instanceof ConnectionRefused))
            options.logger.error({ err: cause }, "subscription authentication failed");
          metrics.refused(refusal.code === SubscriptionCloseCode.Unauthorized ? "unauthenticated" : "unavailable");
          // Best effort, as over HTTP: a failure to count must not change the refusal.
          if (refusal.code === SubscriptionCloseCode.Unauthorized)
            await options.budget?.refused(request).catch(() => undefined);
          socket.close(refusal.code, refusal.message); // before graphql-ws's own 4403 for `false`
          return false;
        }
        if (socket.readyState !== socket.OPEN) return false; // gone while being authenticated
        const userKey = `${identity.viewer.kind ?? "user"}:${identity.viewer.id}`;
        const open = perUser.get(userKey) ?? 0;
        if (open >= limits.maxConnectionsPerUser) {
          metrics.refused("too_many_connections");
          socket.close(
            SubscriptionCloseCode.TooManyConnections,
            `Too many connections for this user (limit ${limits.maxConnectionsPerUser})`,
          );
          return false;
        }
        perUser.set(userKey, open + 1);
        const state: ConnectionState = { identity, userKey, socket, live: new Set() };
        if (identity.expiresAt !== undefined) {
          const remaining = Math.max(0, identity.expiresAt - Date.now());
          state.expiryTimer = setTimeout(
            () => closeConnection(state, SubscriptionCloseCode.Unauthorized, "Access token expired", "token_expired"),
            Math.min(remaining, MAX_TIMER_MS),
          );
          timerCount += 1;
        }
        states.set(ctx, state);
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = states.get(ctx);
        if (!state) return error("Not connected", ErrorCode.UNAUTHENTICATED);
        // graphql-ws lists this subscription already (while it is being set up).
        if (Object.keys(ctx.subscriptions).length > limits.maxPerConnection) {
          metrics.refused("too_many_subscriptions");
          return error(
            `Too many subscriptions on this connection (limit ${limits.maxPerConnection})`,
            "TOO_MANY_SUBSCRIPTIONS",
          );
        }
        if (JSON.stringify(payload.variables ?? {}).length > options.maxVariablesBytes)
          return error(`Variables exceed ${options.maxVariablesBytes} bytes`, "BAD_REQUEST");
        const query = trustedQuery(payload);
        if (typeof query !== "string") return query;
        const planned = plan(query, payload.operationName);
        if (!("query" in planned)) {
          if (planned.some((e) => e.extensions.code === SUBSCRIPTION_NOT_SERVED)) metrics.refused("not_served");
          return planned;
        }
        const coerced = getVariableValues(schema, planned.operation.variableDefinitions ?? [], payload.variables ?? {});
        if (coerced.errors)
          return coerced.errors.map(
            (e) => new GraphQLError(e.message, { extensions: { code: ErrorCode.BAD_USER_INPUT } }),
          );
        let args: Record<string, unknown>;
        try {
          args = getArgumentValues(planned.fieldDefinition, planned.rootField, coerced.coerced);
        } catch (cause) {
          return error(cause instanceof Error ? cause.message : "Invalid arguments", ErrorCode.BAD_USER_INPUT);
        }
        const subscription = subscribe(state, planned, args, payload.variables ?? {});
        const failed = await subscription.start();
        if (failed) return failed;
        return {
          schema,
          document: planned.document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? {},
          contextValue: { subscription: subscription.iterator },
        } satisfies ExecutionArgs;
      },
      subscribe: (args) => (args.contextValue as { subscription: LiveSubscription }).subscription,
      onClose: (ctx) => release(ctx),
    },
    wss,
  );

  /**
   * The document to run, or why not: the same persisted-query checks as HTTP (before parsing), and
   * graphql-ws's required `query` may be "" next to a manifest id (the document is sent by id alone).
   */
  function trustedQuery(payload: { query: string; extensions?: unknown }): string | readonly GraphQLError[] {
    const admission = options.trustedDocuments.admit({
      query: payload.query === "" ? undefined : payload.query,
      extensions: payload.extensions,
    });
    if (admission.rejection) {
      metrics.refused("untrusted_document");
      return error(admission.rejection.message, admission.rejection.code);
    }
    if (admission.document !== undefined) return admission.document;
    const hash = (payload.extensions as { persistedQuery?: { sha256Hash?: string } } | undefined)?.persistedQuery
      ?.sha256Hash;
    return error(
      hash
        ? `${hash} is not a persisted document of this gateway`
        : "A subscribe message needs a query or extensions.persistedQuery",
      hash ? "PERSISTED_QUERY_NOT_FOUND" : "BAD_REQUEST",
    );
  }

  /** One subscription's wiring: hub listener, bounded queue, shared execution per update. */
  function subscribe(
    state: ConnectionState,
    planned: LivePlan,
    args: Record<string, unknown>,
    variables: Record<string, unknown>,
  ) {
    const { viewer } = state.identity;
    const route = planned.live.route(args, viewer);
    const queryVariables = Object.fromEntries(
      planned.queryVariables.filter((name) => name in variables).map((name) => [name, variables[name]]),
    );
    let planId = planIds.get(planned);
    if (planId === undefined) {
      planId = nextPlanId++;
      planIds.set(planned, planId);
    }
    // Who sees the same thing: same document, variables and identity.
    const shareKey = `${planId}\u0000${JSON.stringify(queryVariables)}\u0000${viewerKey(viewer)}`;
    const run = (id: string) => options.execute(planned.query, { ...queryVariables, [LIVE_ID_VARIABLE]: id }, viewer);
    let initialJson: string | undefined;
    let stopListening: () => void = () => undefined;

    const iterator = new LiveSubscription({
      queueLimit: limits.queueLimit,
      resolve: async (update, sequence, early) => {
        if (state.identity.stillValid && !(await state.identity.stillValid())) {
          endSession(state);
          return undefined;
        }
        const result = await shared.run(`${sequence}\u0000${shareKey}`, () => run(update.id));
        if (result.data?.[planned.responseKey] == null) {
          // A failure (e.g. a subgraph down) is reported like a query would report it; anything
          // else is an entity this subscriber may not (or no longer) see: dropped.
          if (result.errors?.length && !result.errors.some((e) => HIDING_CODES.has(String(e.extensions.code)))) {
            metrics.event("error");
            // The query field is nullable, the subscription field is not: null reaches the root.
            return isNonNullType(planned.fieldDefinition.type) ? { data: null, errors: result.errors } : result;
          }
          metrics.event("hidden");
          return undefined;
        }
        if (early && initialJson !== undefined && JSON.stringify(result) === initialJson) {
          metrics.event("repeat"); // already contained in the initial state
          return undefined;
        }
        metrics.event("delivered");
        return result;
      },
      onOverflow: () =>
        closeConnection(
          state,
          SubscriptionCloseCode.SlowConsumer,
          `Slow consumer: more than ${limits.queueLimit} undelivered events`,
          "slow_consumer",
        ),
      onClose: () => {
        stopListening();
        state.live.delete(iterator);
        subscriptionCount -= 1;
      },
    });
    state.live.add(iterator);
    fieldOf.set(iterator, planned.fieldDefinition.name);
    subscriptionCount += 1;
    // Listen before reading the initial state, so no change can fall between the two.
    stopListening = hub.listen(routeKey(planned.live.typename, route), (update, sequence) =>
      iterator.push(update, sequence),
    );

    return {
      iterator,
      /** Reads the initial state when the field has one; errors when there is nothing to watch. */
      async start(): Promise<readonly GraphQLError[] | undefined> {
        if (!planned.live.initialState || route.by !== "id") return undefined;
        iterator.beginInitialRead();
        // Within the same bound as events (a burst of new subscribers cannot flood the subgraphs),
        // but never shared: a read that started before this listener existed could miss a change.
        const result = await shared.limited(() => run(route.id));
        if (result.data?.[planned.responseKey] == null) {
          iterator.close();
          return result.errors?.length
            ? result.errors
            : error(`${planned.live.typename} ${route.id} not found`, ErrorCode.NOT_FOUND);
        }
        initialJson = JSON.stringify(result);
        iterator.setInitial(result);
        return undefined;
      },
    };
  }

  return {
    ready: () => hub.ready(),
    stats,
    close: async () => {
      sweep.stop();
      await server.dispose();
    },
    supergraphChanged: (nextSchema, live) => {
      schema = nextSchema;
      plan = planner(nextSchema, live);
      for (const state of states.values())
        for (const subscription of state.live) {
          const field = fieldOf.get(subscription) ?? "";
          if (live.fields.has(field)) continue;
          metrics.refused("field_removed");
          subscription.end({
            errors: error(
              `Subscription.${field} is no longer served: the gateway's new supergraph removed it`,
              "SUBSCRIPTION_FIELD_REMOVED",
            ),
          });
        }
    },
  };
}
