import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { DeadLetterEntry } from '../deadLetterOps';
import type { AuditEvent as AuditEventModel } from '../auditLog';
import type { OperationsContext } from '../context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  DateTime: { input: Date; output: Date; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** How the admin who acted was signed in. */
export type AuditActorKind =
  /** An API key. */
  | 'API_KEY'
  /** A terminal with direct Redis access (npm run dlq): the operations audit log only. */
  | 'CLI'
  /** An access token of a person. */
  | 'USER';

/** One admin action: who, what, on what, when, and how it ended. */
export type AuditEvent = {
  __typename?: 'AuditEvent';
  /** The mutation (e.g. replayDeadLetter; the same names for npm run dlq), or bullBoardSignIn and bullBoard for Bull Board. */
  action: Scalars['String']['output'];
  actorId: Scalars['ID']['output'];
  actorKind: AuditActorKind;
  /** The actor's role when acting (CUSTOMER, STAFF or ADMIN; OPERATOR for the CLI). */
  actorRole: Scalars['String']['output'];
  at: Scalars['DateTime']['output'];
  /** Why it failed, or what it did (counts); never personal data. */
  detail?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  outcome: AuditOutcome;
  /** What it was applied to: a dead letter's id, a queue, a user or API key id. */
  target?: Maybe<Scalars['String']['output']>;
};

export type AuditEventConnection = {
  __typename?: 'AuditEventConnection';
  edges: Array<AuditEventEdge>;
  pageInfo: PageInfo;
};

export type AuditEventEdge = {
  __typename?: 'AuditEventEdge';
  cursor: Scalars['String']['output'];
  node: AuditEvent;
};

/** Whether an admin action did what was asked. */
export type AuditOutcome =
  | 'FAILURE'
  | 'SUCCESS';

/** An event that could not be processed: kept with every error until it is replayed or discarded. */
export type DeadLetter = {
  __typename?: 'DeadLetter';
  attempts: Scalars['Int']['output'];
  consumer: Scalars['String']['output'];
  /** One entry per failed attempt. */
  errors: Array<Scalars['String']['output']>;
  /** The original event, as JSON, with personal fields (email, name, phone, address) redacted; replay sends the stored original. */
  event: Scalars['String']['output'];
  eventId?: Maybe<Scalars['String']['output']>;
  eventType?: Maybe<Scalars['String']['output']>;
  failedAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** The queue it failed in (events-<service>), or outbox when it could not even be published. */
  queue: Scalars['String']['output'];
};

/** What a bulk replay did. */
export type DeadLetterReplay = {
  __typename?: 'DeadLetterReplay';
  /** Left in the dead letters: they came from the outbox, or their event still fails validation (see each one's errors). */
  refused: Scalars['Int']['output'];
  /** Sent back to their queues. */
  replayed: Scalars['Int']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Admins only. */
  discardDeadLetter: Scalars['Boolean']['output'];
  /** Admins only. Discards every dead letter there is, or those of one queue; returns how many. */
  discardDeadLetters: Scalars['Int']['output'];
  /** Admins only. Sends the original event back to its queue; consumers stay idempotent. */
  replayDeadLetter: Scalars['Boolean']['output'];
  /** Admins only. Replays every dead letter there is, or those of one queue (e.g. events-payments): once the cause of an outage is fixed. */
  replayDeadLetters: DeadLetterReplay;
};


export type MutationDiscardDeadLetterArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDiscardDeadLettersArgs = {
  queue?: InputMaybe<Scalars['String']['input']>;
};


export type MutationReplayDeadLetterArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReplayDeadLettersArgs = {
  queue?: InputMaybe<Scalars['String']['input']>;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** Admins only. */
  deadLetter?: Maybe<DeadLetter>;
  /** Admins only. */
  deadLetterCount: Scalars['Int']['output'];
  /** Admins only. Oldest first; only those of one queue (e.g. events-payments, or outbox) when it is given. */
  deadLetters: Array<DeadLetter>;
  /** Admins only. The workers' admin actions (dead-letter replays and discards through GraphQL or npm run dlq, Bull Board), newest first; only one action when given. */
  operationsAuditLog: AuditEventConnection;
};


export type QueryDeadLetterArgs = {
  id: Scalars['ID']['input'];
};


export type QueryDeadLettersArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  queue?: InputMaybe<Scalars['String']['input']>;
};


export type QueryOperationsAuditLogArgs = {
  action?: InputMaybe<Scalars['String']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  AuditActorKind: AuditActorKind;
  AuditEvent: ResolverTypeWrapper<AuditEventModel>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  AuditEventConnection: ResolverTypeWrapper<Omit<AuditEventConnection, 'edges'> & { edges: Array<ResolversTypes['AuditEventEdge']> }>;
  AuditEventEdge: ResolverTypeWrapper<Omit<AuditEventEdge, 'node'> & { node: ResolversTypes['AuditEvent'] }>;
  AuditOutcome: AuditOutcome;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeadLetter: ResolverTypeWrapper<DeadLetterEntry>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  DeadLetterReplay: ResolverTypeWrapper<DeadLetterReplay>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  AuditEvent: AuditEventModel;
  String: Scalars['String']['output'];
  ID: Scalars['ID']['output'];
  AuditEventConnection: Omit<AuditEventConnection, 'edges'> & { edges: Array<ResolversParentTypes['AuditEventEdge']> };
  AuditEventEdge: Omit<AuditEventEdge, 'node'> & { node: ResolversParentTypes['AuditEvent'] };
  DateTime: Scalars['DateTime']['output'];
  DeadLetter: DeadLetterEntry;
  Int: Scalars['Int']['output'];
  DeadLetterReplay: DeadLetterReplay;
  Mutation: Record<PropertyKey, never>;
  Boolean: Scalars['Boolean']['output'];
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
}>;

export type AuditEventResolvers<ContextType = OperationsContext, ParentType extends ResolversParentTypes['AuditEvent'] = ResolversParentTypes['AuditEvent']> = ResolversObject<{
  action?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  actorId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  actorKind?: Resolver<ResolversTypes['AuditActorKind'], ParentType, ContextType>;
  actorRole?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  detail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AuditOutcome'], ParentType, ContextType>;
  target?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type AuditEventConnectionResolvers<ContextType = OperationsContext, ParentType extends ResolversParentTypes['AuditEventConnection'] = ResolversParentTypes['AuditEventConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AuditEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type AuditEventEdgeResolvers<ContextType = OperationsContext, ParentType extends ResolversParentTypes['AuditEventEdge'] = ResolversParentTypes['AuditEventEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEvent'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeadLetterResolvers<ContextType = OperationsContext, ParentType extends ResolversParentTypes['DeadLetter'] = ResolversParentTypes['DeadLetter']> = ResolversObject<{
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  consumer?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  event?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  eventId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  eventType?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  failedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  queue?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type DeadLetterReplayResolvers<ContextType = OperationsContext, ParentType extends ResolversParentTypes['DeadLetterReplay'] = ResolversParentTypes['DeadLetterReplay']> = ResolversObject<{
  refused?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  replayed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = OperationsContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  discardDeadLetter?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDiscardDeadLetterArgs, 'id'>>;
  discardDeadLetters?: Resolver<ResolversTypes['Int'], ParentType, ContextType, Partial<MutationDiscardDeadLettersArgs>>;
  replayDeadLetter?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationReplayDeadLetterArgs, 'id'>>;
  replayDeadLetters?: Resolver<ResolversTypes['DeadLetterReplay'], ParentType, ContextType, Partial<MutationReplayDeadLettersArgs>>;
}>;

export type PageInfoResolvers<ContextType = OperationsContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = OperationsContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  deadLetter?: Resolver<Maybe<ResolversTypes['DeadLetter']>, ParentType, ContextType, RequireFields<QueryDeadLetterArgs, 'id'>>;
  deadLetterCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  deadLetters?: Resolver<Array<ResolversTypes['DeadLetter']>, ParentType, ContextType, RequireFields<QueryDeadLettersArgs, 'first'>>;
  operationsAuditLog?: Resolver<ResolversTypes['AuditEventConnection'], ParentType, ContextType, RequireFields<QueryOperationsAuditLogArgs, 'first'>>;
}>;

export type Resolvers<ContextType = OperationsContext> = ResolversObject<{
  AuditEvent?: AuditEventResolvers<ContextType>;
  AuditEventConnection?: AuditEventConnectionResolvers<ContextType>;
  AuditEventEdge?: AuditEventEdgeResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeadLetter?: DeadLetterResolvers<ContextType>;
  DeadLetterReplay?: DeadLetterReplayResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
}>;

