import { viewerClassKey, type ViewerDependence, viewerKey } from "@fedplat/auth";
import { ErrorCode, type Logger, lruBound } from "@fedplat/runtime";
import {
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  getArgumentValues,
  getVariableValues,
  isNonNullType,
  type ValidationRule,
} from "graphql";
import { LRUCache } from "lru-cache";
import type { Registry } from "prom-client";
import type { TrustedDocuments } from "../persistedDocuments";
import { SubscriptionCloseCode } from "./closeCodes";
import type { SubscriptionLimits } from "./config";
import type { ConnectionIdentity } from "./connectionAuth";
import { DeferredEvent, type EventResult, firstOf } from "./deferredEvent";
import type { ExecuteAsViewer, ViewerExecution } from "./executeAsViewer";
import { type LiveFieldTable, routeKey } from "./liveFields";
import { createLivePlanner, LIVE_ID_VARIABLE, type LivePlan, SUBSCRIPTION_NOT_SERVED } from "./livePlan";
import { LiveSubscription } from "./liveSubscription";
import type { LiveUpdateHub } from "./liveUpdateHub";
import { startSessionSweep } from "./sessionSweep";
import { createSharedExecutions } from "./sharedExecutions";
import { createSubscriptionMetrics, type RefusalReason, type SubscriptionStats } from "./subscriptionMetrics";

export interface SubscriptionCoreOptions {
  /** The API schema (what clients may select). */
  schema: GraphQLSchema;
  /** The supergraph's `@live` declarations: how each Subscription field is served (liveFieldTable). */
  live: LiveFieldTable;
  execute: ExecuteAsViewer;
  /** This replica's live updates (its one Redis subscriber connection); closed by its owner, not here. */
  hub: LiveUpdateHub;
  limits: SubscriptionLimits;
  /** The gateway's operation limits, applied to subscription documents too. */
  validationRules: readonly ValidationRule[];
  maxTokens: number;
  maxVariablesBytes: number;
  logger: Logger;
  registry: Registry;
  /** The HTTP endpoint's trusted-documents check, applied to each subscription. */
  trustedDocuments: TrustedDocuments;
  /** How often open connections' sessions are re-checked without an event (sessionSweep.ts). */
  sessionSweepMs: number;
  /** Share an event's execution within a viewer class when its answer allows it (SubscriptionsConfig.shareByRole). */
  shareByRole: boolean;
}

/**
 * One client connection as the core sees it, whatever carries it: a graphql-ws socket with any
 * number of subscriptions, or an SSE or multipart HTTP response with one.
 */
export interface SubscriberConnection {
  readonly identity: ConnectionIdentity;
  isOpen(): boolean;
  /**
   * Ends the connection for the reason its close code says (closeCodes.ts): graphql-ws closes the
   * socket with it, HTTP streams send it as a last error and end.
   */
  close(code: number, reason: string): void;
}

/** The parts of a subscribe message or HTTP request the core reads. */
export interface SubscriptionRequest {
  /** May be "" or absent next to extensions.persistedQuery (a manifest document sent by id alone). */
  query?: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: unknown;
}

/** What a transport executes: graphql's arguments, whose contextValue carries the subscription's events. */
export type SubscriptionExecution = ExecutionArgs & { contextValue: { subscription: LiveSubscription } };

/** A connection the core admitted, until `release`. */
export interface AdmittedConnection {
  readonly connection: SubscriberConnection;
  /** Plans, checks and starts one subscription on this connection, or says why not. */
  subscribe(request: SubscriptionRequest): Promise<SubscriptionExecution | readonly GraphQLError[]>;
  /** The connection ended (however): its subscriptions close and its counts are given back. Idempotent. */
  release(): void;
}

export interface SubscriptionCore {
  /** The schema new subscriptions are planned against (the latest supergraph's). */
  schema(): GraphQLSchema;
  /** Admits an authenticated connection, or refuses it (per-user limit) with a close code. */
  admit(connection: SubscriberConnection): AdmittedConnection | { code: number; reason: string };
  /** Counts a refusal a transport decided on its own (rate limits, credentials). */
  refused(reason: RefusalReason): void;
  ready(): Promise<void>;
  stats(): SubscriptionStats;
  /** Stops the session sweep and closes every admitted connection (1001, Going Away). */
  close(): void;
  /**
   * The gateway serves a new supergraph: new subscriptions are planned against it; open ones
   * continue (each next event runs through the new schema and plans) unless their field is no
   * longer served, which ends them with a SUBSCRIPTION_FIELD_REMOVED error and `complete`.
   */
  supergraphChanged(schema: GraphQLSchema, live: LiveFieldTable): void;
}

interface ConnectionState {
  connection: SubscriberConnection;
  userKey: string;
  live: Set<LiveSubscription>;
  expiryTimer?: NodeJS.Timeout;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Errors that mean "not for you": such an event is dropped, never sent. */
const HIDING_CODES = new Set<string>([ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED, ErrorCode.NOT_FOUND]);
const error = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

/**
 * Whether an update that came while the initial state was read repeats it. An event in parts is
 * compared whole, once both have all their parts: a change in a deferred field is no repeat.
 */
async function isRepeat(result: EventResult, initialJson: string | Promise<string>): Promise<boolean> {
  if (!(result instanceof DeferredEvent) && typeof initialJson === "string")
    return JSON.stringify(result) === initialJson;
  const json = result instanceof DeferredEvent ? await result.json() : JSON.stringify(result);
  return json === (typeof initialJson === "string" ? initialJson : await initialJson);
}

/**
 * Federated subscriptions, whatever the transport. Producers publish "entity changed" on Redis
 * pub/sub after they commit; for each update, every matching subscription runs its selection
 * through the gateway as its subscriber, so each event carries fields from every subgraph and the
 * same permissions as a query at that moment (what a subscriber may not see is dropped). The
 * transports (graphql-ws, SSE, multipart HTTP) only authenticate, carry messages and close.
 */
export function createSubscriptionCore(options: SubscriptionCoreOptions): SubscriptionCore {
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
  /** An execution, and whose (viewerKey) it was. */
  const shared = createSharedExecutions<ViewerExecution & { by: string }>(limits.executionConcurrency);
  /**
   * Per document, variables and viewer class: what the last event's executions said. Only a hint
   * for where to start (a class known to depend on identity goes straight to one execution per
   * viewer); whether a result is shared is decided by that very execution's answer, every event.
   */
  const verdicts = new LRUCache<string, ViewerDependence>(lruBound(10_000));
  const states = new Set<ConnectionState>();
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
    state.connection.close(code, reason);
  };

  /** The session (or API key) behind a connection ended or changed role: 4403, with or without an event. */
  const endSession = (state: ConnectionState) => {
    if (!state.connection.isOpen()) return;
    const key = state.connection.identity.viewer.kind === "apiKey";
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
    identityOf: (state) => state.connection.identity,
    onEnded: endSession,
  });

  const release = (state: ConnectionState) => {
    if (!states.delete(state)) return;
    if (state.expiryTimer) {
      clearTimeout(state.expiryTimer);
      timerCount -= 1;
    }
    const open = (perUser.get(state.userKey) ?? 1) - 1;
    if (open > 0) perUser.set(state.userKey, open);
    else perUser.delete(state.userKey);
    for (const subscription of [...state.live]) subscription.close();
  };

  function admit(connection: SubscriberConnection): AdmittedConnection | { code: number; reason: string } {
    const { identity } = connection;
    const userKey = `${identity.viewer.kind ?? "user"}:${identity.viewer.id}`;
    const open = perUser.get(userKey) ?? 0;
    if (open >= limits.maxConnectionsPerUser) {
      metrics.refused("too_many_connections");
      return {
        code: SubscriptionCloseCode.TooManyConnections,
        reason: `Too many connections for this user (limit ${limits.maxConnectionsPerUser})`,
      };
    }
    perUser.set(userKey, open + 1);
    const state: ConnectionState = { connection, userKey, live: new Set() };
    if (identity.expiresAt !== undefined) {
      const remaining = Math.max(0, identity.expiresAt - Date.now());
      state.expiryTimer = setTimeout(
        () => closeConnection(state, SubscriptionCloseCode.Unauthorized, "Access token expired", "token_expired"),
        Math.min(remaining, MAX_TIMER_MS),
      );
      timerCount += 1;
    }
    states.add(state);
    return {
      connection,
      subscribe: (request) => prepare(state, request),
      release: () => release(state),
    };
  }

  async function prepare(
    state: ConnectionState,
    request: SubscriptionRequest,
  ): Promise<SubscriptionExecution | readonly GraphQLError[]> {
    const variables = request.variables ?? {};
    if (JSON.stringify(variables).length > options.maxVariablesBytes)
      return error(`Variables exceed ${options.maxVariablesBytes} bytes`, "BAD_REQUEST");
    const query = trustedQuery(request);
    if (typeof query !== "string") return query;
    const planned = plan(query, request.operationName);
    if (!("query" in planned)) {
      if (planned.some((e) => e.extensions.code === SUBSCRIPTION_NOT_SERVED)) metrics.refused("not_served");
      return planned;
    }
    const coerced = getVariableValues(schema, planned.operation.variableDefinitions ?? [], variables);
    if (coerced.errors)
      return coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: ErrorCode.BAD_USER_INPUT } }));
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(planned.fieldDefinition, planned.rootField, coerced.coerced);
    } catch (cause) {
      return error(cause instanceof Error ? cause.message : "Invalid arguments", ErrorCode.BAD_USER_INPUT);
    }
    const subscription = subscribe(state, planned, args, variables);
    const failed = await subscription.start();
    if (failed) return failed;
    if (!states.has(state)) {
      // The connection ended while the initial state was read: nothing will ever close this one.
      subscription.iterator.close();
      return error("The connection closed while subscribing", "BAD_REQUEST");
    }
    return {
      schema,
      document: planned.document,
      operationName: request.operationName,
      variableValues: variables,
      contextValue: { subscription: subscription.iterator },
    };
  }

  /**
   * The document to run, or why not: the same persisted-query checks as HTTP (before parsing), and
   * the query may be "" next to a manifest id (the document is sent by id alone).
   */
  function trustedQuery(request: SubscriptionRequest): string | readonly GraphQLError[] {
    const admission = options.trustedDocuments.admit({
      query: request.query === "" ? undefined : request.query,
      extensions: request.extensions,
    });
    if (admission.rejection) {
      metrics.refused("untrusted_document");
      return error(admission.rejection.message, admission.rejection.code);
    }
    if (admission.document !== undefined) return admission.document;
    const hash = (request.extensions as { persistedQuery?: { sha256Hash?: string } } | undefined)?.persistedQuery
      ?.sha256Hash;
    return error(
      hash
        ? `${hash} is not a persisted document of this gateway`
        : "A subscription needs a query or extensions.persistedQuery",
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
    const { identity } = state.connection;
    const { viewer } = identity;
    const route = planned.live.route(args, viewer);
    const queryVariables = Object.fromEntries(
      planned.queryVariables.filter((name) => name in variables).map((name) => [name, variables[name]]),
    );
    let planId = planIds.get(planned);
    if (planId === undefined) {
      planId = nextPlanId++;
      planIds.set(planned, planId);
    }
    // Who sees the same thing: same document and variables, and the same identity; or the same
    // class (kind, roles, scopes, tenant) when the event's execution for that class said its answer
    // depended on nothing more (docs/subscriptions.md, "Sharing between viewers").
    const queryKey = `${planId}\u0000${JSON.stringify(queryVariables)}`;
    const me = viewerKey(viewer);
    const identityKey = `${queryKey}\u0000${me}`;
    const classKey = `${queryKey}\u0000${viewerClassKey(viewer)}`;
    // Only a document that defers asks for incremental delivery: any other runs exactly as a query.
    const run = async (id: string) => ({
      ...(await options.execute(
        planned.query,
        { ...queryVariables, [LIVE_ID_VARIABLE]: id },
        viewer,
        planned.deferred,
      )),
      by: me,
    });
    const ownExecution = (id: string, sequence: number) =>
      shared.run(`${sequence}\u0000i\u0000${identityKey}`, () => run(id));
    /** This subscriber's result for one event: its class's, when that execution said "role"; else its own. */
    const eventResult = async (id: string, sequence: number): Promise<EventResult> => {
      if (!options.shareByRole || verdicts.get(classKey) === "identity") {
        const own = await ownExecution(id, sequence);
        if (own.dependence === "role") verdicts.set(classKey, "role");
        return own.result;
      }
      const first = await shared.run(`${sequence}\u0000c\u0000${classKey}`, () => run(id));
      verdicts.set(classKey, first.dependence);
      if (first.dependence === "role" || first.by === me) return first.result;
      return (await ownExecution(id, sequence)).result;
    };
    let initialJson: string | Promise<string> | undefined;
    let stopListening: () => void = () => undefined;

    const iterator = new LiveSubscription({
      queueLimit: limits.queueLimit,
      resolve: async (update, sequence, early) => {
        if (identity.stillValid && !(await identity.stillValid())) {
          endSession(state);
          return undefined;
        }
        const result = await eventResult(update.id, sequence);
        // Whether the entity is there (and may be seen) is in the first part: the root field is never deferred.
        const first = firstOf(result);
        if (first.data?.[planned.responseKey] == null) {
          // A failure (e.g. a subgraph down) is reported like a query would report it; anything
          // else is an entity this subscriber may not (or no longer) see: dropped, later parts too.
          if (first.errors?.length && !first.errors.some((e) => HIDING_CODES.has(String(e.extensions.code)))) {
            metrics.event("error");
            // The query field is nullable, the subscription field is not: null reaches the root.
            // Sent whole: with the root null, no deferred fragment has anywhere to go.
            return isNonNullType(planned.fieldDefinition.type)
              ? { data: null, errors: first.errors }
              : { data: first.data, errors: first.errors };
          }
          metrics.event("hidden");
          return undefined;
        }
        if (early && initialJson !== undefined && (await isRepeat(result, initialJson))) {
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
        const { result } = await shared.limited(() => run(route.id));
        const first = firstOf(result);
        if (first.data?.[planned.responseKey] == null) {
          iterator.close();
          return first.errors?.length
            ? first.errors
            : error(`${planned.live.typename} ${route.id} not found`, ErrorCode.NOT_FOUND);
        }
        initialJson = result instanceof DeferredEvent ? result.json() : JSON.stringify(result);
        iterator.setInitial(result);
        return undefined;
      },
    };
  }

  return {
    schema: () => schema,
    admit,
    refused: (reason) => metrics.refused(reason),
    ready: () => hub.ready(),
    stats,
    close: () => {
      sweep.stop();
      for (const state of [...states])
        if (state.connection.isOpen())
          state.connection.close(SubscriptionCloseCode.GoingAway, "The gateway is shutting down");
    },
    supergraphChanged: (nextSchema, live) => {
      schema = nextSchema;
      plan = planner(nextSchema, live);
      for (const state of states)
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
