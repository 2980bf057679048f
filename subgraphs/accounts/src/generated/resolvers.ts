import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { User as UserModel, ApiKey as ApiKeyModel, AuditEvent as AuditEventModel } from './prisma/client';
import type { Connection } from '@fedplat/subgraph';
import type { AuthPayloadModel } from '../auth/authPayload';
import type { ApiKeyCreatedModel } from '../auth/apiKeys';
import type { AccountsContext } from '../context';
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

/** A key for an external client; the key itself is shown once, at creation. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The key's first characters, to tell keys apart. */
  prefix: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  /** What the key may do: it acts with this role. */
  role: Role;
};

export type ApiKeyCreated = {
  __typename?: 'ApiKeyCreated';
  apiKey: ApiKey;
  /** Send it in the x-api-key header. Only its hash is stored: it cannot be shown again. */
  key: Scalars['String']['output'];
};

/** What the gateway learns from a valid API key; not part of the public graph. */
export type ApiKeyPrincipal = {
  __typename?: 'ApiKeyPrincipal';
  id: Scalars['ID']['output'];
  role: Role;
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
  /** The mutation: setUserRole, setUserDisabled, createApiKey or revokeApiKey. */
  action: Scalars['String']['output'];
  actorId: Scalars['ID']['output'];
  actorKind: AuditActorKind;
  /** The actor's role when acting (CUSTOMER, STAFF or ADMIN; OPERATOR for the CLI). */
  actorRole: Scalars['String']['output'];
  at: Scalars['DateTime']['output'];
  /** Why it failed, or what it changed (e.g. CUSTOMER -> STAFF); never a secret or personal data. */
  detail?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  outcome: AuditOutcome;
  /** What it was applied to: a user or API key id. */
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

export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** Short-lived JWT for the Authorization: Bearer header. */
  accessToken: Scalars['String']['output'];
  /** Single-use token for refreshToken; rotated on every use and revoked by logout. */
  refreshToken: Scalars['String']['output'];
  user: User;
};

/** Who may reuse a cached response: anyone (PUBLIC) or only the same user (PRIVATE). */
export type CacheControlScope =
  | 'PRIVATE'
  | 'PUBLIC';

export type CreateApiKeyInput = {
  /** At most API_KEY_MAX_DAYS (default 90) ahead (BAD_USER_INPUT otherwise); absent: that maximum. */
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  name: Scalars['String']['input'];
  /** At most the creator's own role (FORBIDDEN otherwise). */
  role: Role;
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Sets a new password, checking the current one (a wrong one is BAD_USER_INPUT on currentPassword,
   * counted like a failed login). Ends every other session of the user; returns fresh tokens for this one.
   */
  changePassword: AuthPayload;
  /** Admins only. */
  createApiKey: ApiKeyCreated;
  /** After repeated failures for an email, ACCOUNT_LOCKED (extensions.retryAfter, seconds) without checking the password. */
  login: AuthPayload;
  /** Ends every session of the logged-in user: refresh tokens at once, access tokens at every gateway within 5 s. */
  logout: Scalars['Boolean']['output'];
  refreshToken: AuthPayload;
  /** Creates a customer account; never says whether the email was taken (log in next). */
  register: Registration;
  /** Admins only. Takes effect at every gateway within 5 s (its API key cache time). */
  revokeApiKey: ApiKey;
  /** Admins only. A disabled user cannot log in or refresh, and their tokens and API keys stop within 5 s. Not oneself. */
  setUserDisabled: User;
  /** Admins only. The user's access tokens and API keys act with the new role within 5 s. */
  setUserRole: User;
  /** The logged-in user's own profile. */
  updateProfile: User;
};


export type MutationChangePasswordArgs = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationLoginArgs = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};


export type MutationRefreshTokenArgs = {
  token: Scalars['String']['input'];
};


export type MutationRegisterArgs = {
  input: RegisterInput;
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetUserDisabledArgs = {
  disabled: Scalars['Boolean']['input'];
  id: Scalars['ID']['input'];
};


export type MutationSetUserRoleArgs = {
  role: Role;
  userId: Scalars['ID']['input'];
};


export type MutationUpdateProfileArgs = {
  input: UpdateProfileInput;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** Admins only. Role changes and API keys created or revoked, newest first; only one action when given. */
  accountsAuditLog: AuditEventConnection;
  /** For the gateway: resolves an x-api-key header. Not reachable through the gateway. */
  apiKeyPrincipal?: Maybe<ApiKeyPrincipal>;
  /** Admins only. */
  apiKeys: Array<ApiKey>;
  /** The logged-in user; null for anonymous requests. */
  me?: Maybe<User>;
  /** For the gateway: whether a user's access tokens still hold, and the role they act with. Null: no such user. */
  sessionState?: Maybe<SessionState>;
  /**
   * For the gateway: sessionState of many users in one call (at most 500), in the order asked; null
   * where there is no such user. Subscriptions re-check every distinct viewer before each event.
   */
  sessionStates: Array<Maybe<SessionState>>;
  user?: Maybe<User>;
  /** Staff and admins only. */
  users: UserConnection;
};


export type QueryAccountsAuditLogArgs = {
  action?: InputMaybe<Scalars['String']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryApiKeyPrincipalArgs = {
  key: Scalars['String']['input'];
};


export type QuerySessionStateArgs = {
  userId: Scalars['ID']['input'];
};


export type QuerySessionStatesArgs = {
  userIds: Array<Scalars['ID']['input']>;
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type RegisterInput = {
  email: Scalars['String']['input'];
  name: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

/**
 * What register answers: the same whether or not the email already had an account, so it never
 * reveals which emails do. A new account is ready at once: log in with its password. The owner of
 * an existing account is told by email instead.
 */
export type Registration = {
  __typename?: 'Registration';
  /** The email as it was normalised (trimmed, lower case). */
  email: Scalars['String']['output'];
  /** What to do next, the same text either way. */
  message: Scalars['String']['output'];
};

export type Role =
  | 'ADMIN'
  | 'CUSTOMER'
  | 'STAFF';

/**
 * What the gateway learns about a user whose access token it was shown; not part of the public graph.
 * The gateway refuses a token older than tokenVersion or of a disabled user, and uses this role.
 */
export type SessionState = {
  __typename?: 'SessionState';
  disabled: Scalars['Boolean']['output'];
  role: Role;
  tokenVersion: Scalars['Int']['output'];
};

export type UpdateProfileInput = {
  address?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
};

/** A person with an account. Other subgraphs extend it (orders, notifications). Profiles are cached 5 minutes, per user. */
export type User = {
  __typename?: 'User';
  /** Encrypted at rest (AES-256-GCM); visible to the user and to staff. */
  address?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** When an admin disabled the account (setUserDisabled); null while it is enabled. */
  disabledAt?: Maybe<Scalars['DateTime']['output']>;
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** Encrypted at rest (AES-256-GCM); visible to the user and to staff. */
  phone?: Maybe<Scalars['String']['output']>;
  /** What the user may do: cached at most 1 minute, so a role change applies within a minute. */
  role: Role;
};

export type UserConnection = {
  __typename?: 'UserConnection';
  edges: Array<UserEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type UserEdge = {
  __typename?: 'UserEdge';
  cursor: Scalars['String']['output'];
  node: User;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

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

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  User: User;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  ApiKey: ResolverTypeWrapper<ApiKeyModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ApiKeyCreated: ResolverTypeWrapper<ApiKeyCreatedModel>;
  ApiKeyPrincipal: ResolverTypeWrapper<ApiKeyPrincipal>;
  AuditActorKind: AuditActorKind;
  AuditEvent: ResolverTypeWrapper<AuditEventModel>;
  AuditEventConnection: ResolverTypeWrapper<Connection<AuditEventModel>>;
  AuditEventEdge: ResolverTypeWrapper<Omit<AuditEventEdge, 'node'> & { node: ResolversTypes['AuditEvent'] }>;
  AuditOutcome: AuditOutcome;
  AuthPayload: ResolverTypeWrapper<AuthPayloadModel>;
  CacheControlScope: CacheControlScope;
  CreateApiKeyInput: CreateApiKeyInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RegisterInput: RegisterInput;
  Registration: ResolverTypeWrapper<Registration>;
  Role: Role;
  SessionState: ResolverTypeWrapper<SessionState>;
  UpdateProfileInput: UpdateProfileInput;
  User: ResolverTypeWrapper<UserModel>;
  UserConnection: ResolverTypeWrapper<Connection<UserModel>>;
  UserEdge: ResolverTypeWrapper<Omit<UserEdge, 'node'> & { node: ResolversTypes['User'] }>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  ApiKey: ApiKeyModel;
  ID: Scalars['ID']['output'];
  String: Scalars['String']['output'];
  ApiKeyCreated: ApiKeyCreatedModel;
  ApiKeyPrincipal: ApiKeyPrincipal;
  AuditEvent: AuditEventModel;
  AuditEventConnection: Connection<AuditEventModel>;
  AuditEventEdge: Omit<AuditEventEdge, 'node'> & { node: ResolversParentTypes['AuditEvent'] };
  AuthPayload: AuthPayloadModel;
  CreateApiKeyInput: CreateApiKeyInput;
  DateTime: Scalars['DateTime']['output'];
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  RegisterInput: RegisterInput;
  Registration: Registration;
  SessionState: SessionState;
  UpdateProfileInput: UpdateProfileInput;
  User: UserModel;
  UserConnection: Connection<UserModel>;
  UserEdge: Omit<UserEdge, 'node'> & { node: ResolversParentTypes['User'] };
  Boolean: Scalars['Boolean']['output'];
  Int: Scalars['Int']['output'];
}>;

export type CacheControlDirectiveArgs = {
  inheritMaxAge?: Maybe<Scalars['Boolean']['input']>;
  maxAge?: Maybe<Scalars['Int']['input']>;
  scope?: Maybe<CacheControlScope>;
};

export type CacheControlDirectiveResolver<Result, Parent, ContextType = AccountsContext, Args = CacheControlDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ApiKeyResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
}>;

export type ApiKeyCreatedResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['ApiKeyCreated'] = ResolversParentTypes['ApiKeyCreated']> = ResolversObject<{
  apiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type ApiKeyPrincipalResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['ApiKeyPrincipal'] = ResolversParentTypes['ApiKeyPrincipal']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
}>;

export type AuditEventResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['AuditEvent'] = ResolversParentTypes['AuditEvent']> = ResolversObject<{
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

export type AuditEventConnectionResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['AuditEventConnection'] = ResolversParentTypes['AuditEventConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AuditEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type AuditEventEdgeResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['AuditEventEdge'] = ResolversParentTypes['AuditEventEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEvent'], ParentType, ContextType>;
}>;

export type AuthPayloadResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['AuthPayload'] = ResolversParentTypes['AuthPayload']> = ResolversObject<{
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MutationResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  changePassword?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationChangePasswordArgs, 'currentPassword' | 'newPassword'>>;
  createApiKey?: Resolver<ResolversTypes['ApiKeyCreated'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'input'>>;
  login?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationLoginArgs, 'email' | 'password'>>;
  logout?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationRefreshTokenArgs, 'token'>>;
  register?: Resolver<ResolversTypes['Registration'], ParentType, ContextType, RequireFields<MutationRegisterArgs, 'input'>>;
  revokeApiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id'>>;
  setUserDisabled?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSetUserDisabledArgs, 'disabled' | 'id'>>;
  setUserRole?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSetUserRoleArgs, 'role' | 'userId'>>;
  updateProfile?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationUpdateProfileArgs, 'input'>>;
}>;

export type PageInfoResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  accountsAuditLog?: Resolver<ResolversTypes['AuditEventConnection'], ParentType, ContextType, RequireFields<QueryAccountsAuditLogArgs, 'first'>>;
  apiKeyPrincipal?: Resolver<Maybe<ResolversTypes['ApiKeyPrincipal']>, ParentType, ContextType, RequireFields<QueryApiKeyPrincipalArgs, 'key'>>;
  apiKeys?: Resolver<Array<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  me?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  sessionState?: Resolver<Maybe<ResolversTypes['SessionState']>, ParentType, ContextType, RequireFields<QuerySessionStateArgs, 'userId'>>;
  sessionStates?: Resolver<Array<Maybe<ResolversTypes['SessionState']>>, ParentType, ContextType, RequireFields<QuerySessionStatesArgs, 'userIds'>>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserArgs, 'id'>>;
  users?: Resolver<ResolversTypes['UserConnection'], ParentType, ContextType, RequireFields<QueryUsersArgs, 'first'>>;
}>;

export type RegistrationResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['Registration'] = ResolversParentTypes['Registration']> = ResolversObject<{
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SessionStateResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['SessionState'] = ResolversParentTypes['SessionState']> = ResolversObject<{
  disabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  tokenVersion?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type UserResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  address?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  disabledAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
}>;

export type UserConnectionResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['UserConnection'] = ResolversParentTypes['UserConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['UserEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type UserEdgeResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['UserEdge'] = ResolversParentTypes['UserEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = AccountsContext> = ResolversObject<{
  ApiKey?: ApiKeyResolvers<ContextType>;
  ApiKeyCreated?: ApiKeyCreatedResolvers<ContextType>;
  ApiKeyPrincipal?: ApiKeyPrincipalResolvers<ContextType>;
  AuditEvent?: AuditEventResolvers<ContextType>;
  AuditEventConnection?: AuditEventConnectionResolvers<ContextType>;
  AuditEventEdge?: AuditEventEdgeResolvers<ContextType>;
  AuthPayload?: AuthPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Registration?: RegistrationResolvers<ContextType>;
  SessionState?: SessionStateResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserConnection?: UserConnectionResolvers<ContextType>;
  UserEdge?: UserEdgeResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = AccountsContext> = ResolversObject<{
  cacheControl?: CacheControlDirectiveResolver<any, any, ContextType>;
}>;
