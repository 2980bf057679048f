import type { GraphQLResolveInfo } from 'graphql';
import type { Payment as PaymentModel } from './prisma/client';
import type { OrderReference } from '../references';
import type { PaymentsContext } from '../context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** Who may reuse a cached response: anyone (PUBLIC) or only the same user (PRIVATE). */
export type CacheControlScope =
  | 'PRIVATE'
  | 'PUBLIC';

export type Order = {
  __typename?: 'Order';
  id: Scalars['ID']['output'];
  /** Null until the order's payment has been created. */
  payment?: Maybe<Payment>;
};

/**
 * Changes with every provider attempt. Private: the gateway caches it per viewer for up to 30 s and
 * drops that copy as soon as an attempt commits (each is announced as a live update).
 */
export type Payment = {
  __typename?: 'Payment';
  amountCents: Scalars['Int']['output'];
  /** Calls made to the provider so far. */
  attempts: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  lastError?: Maybe<Scalars['String']['output']>;
  provider: Scalars['String']['output'];
  state: PaymentState;
};

export type PaymentMismatch = {
  __typename?: 'PaymentMismatch';
  /** Net cents the provider holds (charges minus refunds). */
  actualCents: Scalars['Int']['output'];
  /** Net cents the provider should hold: the amount when SUCCEEDED, 0 otherwise (REFUNDED, FAILED, PENDING past the grace period). */
  expectedCents: Scalars['Int']['output'];
  /** The provider's key (a payment's id). */
  idempotencyKey: Scalars['String']['output'];
  orderId?: Maybe<Scalars['ID']['output']>;
  /** Null for a provider key with no payment. */
  paymentId?: Maybe<Scalars['ID']['output']>;
  reason: PaymentMismatchReason;
  /** The payment's state; null for a provider key with no payment. */
  state?: Maybe<PaymentState>;
};

export type PaymentMismatchReason =
  /** REFUNDED or FAILED, but the provider still holds money. */
  | 'MONEY_HELD'
  /** SUCCEEDED, but the provider holds nothing for it. */
  | 'NOT_CHARGED'
  /** Still PENDING after the grace period, and the provider holds money for it: its saga never recorded the charge. */
  | 'PENDING_CHARGED'
  /** A provider key that is no payment's id. */
  | 'UNKNOWN_KEY'
  /** SUCCEEDED, but the provider holds another amount. */
  | 'WRONG_AMOUNT';

export type PaymentReconciliation = {
  __typename?: 'PaymentReconciliation';
  /** Idempotency keys in the provider's ledger. */
  checkedKeys: Scalars['Int']['output'];
  /** Payments compared (skipped ones excluded). */
  checkedPayments: Scalars['Int']['output'];
  /** All mismatches found; `mismatches` lists the first ones. */
  mismatchCount: Scalars['Int']['output'];
  mismatches: Array<PaymentMismatch>;
  /** PENDING payments younger than the grace period, not judged yet. */
  skippedPending: Scalars['Int']['output'];
};

export type PaymentState =
  | 'FAILED'
  | 'PENDING'
  | 'REFUNDED'
  | 'SUCCEEDED';

export type Query = {
  __typename?: 'Query';
  /**
   * Payments compared with the payment provider's ledger (admins only): every payment whose state
   * disagrees with the money the provider holds for it, and every provider key with no payment.
   * PENDING payments younger than the grace period (PAYMENT_RECONCILE_GRACE_SECONDS unless given)
   * are skipped. Reads every payment: an operator's check, not a hot path.
   */
  paymentReconciliation: PaymentReconciliation;
};


export type QueryPaymentReconciliationArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  graceSeconds?: InputMaybe<Scalars['Int']['input']>;
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
  Order: Order;
  Payment: Payment;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
  Payment:
    ( { __typename: 'Payment' }
    & GraphQLRecursivePick<FederationTypes['Payment'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  CacheControlScope: CacheControlScope;
  Order: ResolverTypeWrapper<OrderReference>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Payment: ResolverTypeWrapper<PaymentModel>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  PaymentMismatch: ResolverTypeWrapper<PaymentMismatch>;
  PaymentMismatchReason: PaymentMismatchReason;
  PaymentReconciliation: ResolverTypeWrapper<PaymentReconciliation>;
  PaymentState: PaymentState;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Order: OrderReference;
  ID: Scalars['ID']['output'];
  Payment: PaymentModel;
  String: Scalars['String']['output'];
  PaymentMismatch: PaymentMismatch;
  PaymentReconciliation: PaymentReconciliation;
  Query: Record<PropertyKey, never>;
  Boolean: Scalars['Boolean']['output'];
  Int: Scalars['Int']['output'];
}>;

export type CacheControlDirectiveArgs = {
  inheritMaxAge?: Maybe<Scalars['Boolean']['input']>;
  maxAge?: Maybe<Scalars['Int']['input']>;
  scope?: Maybe<CacheControlScope>;
};

export type CacheControlDirectiveResolver<Result, Parent, ContextType = PaymentsContext, Args = CacheControlDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type OrderResolvers<ContextType = PaymentsContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  payment?: Resolver<Maybe<ResolversTypes['Payment']>, ParentType, ContextType>;
}>;

export type PaymentResolvers<ContextType = PaymentsContext, ParentType extends ResolversParentTypes['Payment'] = ResolversParentTypes['Payment'], FederationReferenceType extends FederationReferenceTypes['Payment'] = FederationReferenceTypes['Payment']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Payment']> | FederationReferenceType, FederationReferenceType, ContextType>;
  amountCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  provider?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['PaymentState'], ParentType, ContextType>;
}>;

export type PaymentMismatchResolvers<ContextType = PaymentsContext, ParentType extends ResolversParentTypes['PaymentMismatch'] = ResolversParentTypes['PaymentMismatch']> = ResolversObject<{
  actualCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expectedCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  idempotencyKey?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  orderId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  paymentId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['PaymentMismatchReason'], ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['PaymentState']>, ParentType, ContextType>;
}>;

export type PaymentReconciliationResolvers<ContextType = PaymentsContext, ParentType extends ResolversParentTypes['PaymentReconciliation'] = ResolversParentTypes['PaymentReconciliation']> = ResolversObject<{
  checkedKeys?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  checkedPayments?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  mismatchCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  mismatches?: Resolver<Array<ResolversTypes['PaymentMismatch']>, ParentType, ContextType>;
  skippedPending?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = PaymentsContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  paymentReconciliation?: Resolver<ResolversTypes['PaymentReconciliation'], ParentType, ContextType, RequireFields<QueryPaymentReconciliationArgs, 'first'>>;
}>;

export type Resolvers<ContextType = PaymentsContext> = ResolversObject<{
  Order?: OrderResolvers<ContextType>;
  Payment?: PaymentResolvers<ContextType>;
  PaymentMismatch?: PaymentMismatchResolvers<ContextType>;
  PaymentReconciliation?: PaymentReconciliationResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = PaymentsContext> = ResolversObject<{
  cacheControl?: CacheControlDirectiveResolver<any, any, ContextType>;
}>;
