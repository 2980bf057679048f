/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type OrderLineInput = {
  productId: string | number;
  quantity: number;
};

export type OrderStatus =
  | 'CANCELLED'
  | 'CONFIRMED'
  | 'DELIVERED'
  | 'PENDING'
  | 'SHIPPED';

export type PaymentState =
  | 'FAILED'
  | 'PENDING'
  | 'REFUNDED'
  | 'SUCCEEDED';

export type PlaceOrderInput = {
  /**
   * Makes a retry safe: the same key with the same lines returns the first order and places nothing
   * (no second order, no second event). Scoped to the caller, kept 24 h; at most 255 characters, no
   * control characters. The same key with different lines is BAD_USER_INPUT. One new key (e.g. a
   * UUID) per order the client means to place.
   */
  idempotencyKey?: string | null | undefined;
  lines: Array<OrderLineInput>;
};

export type RegisterInput = {
  email: string;
  name: string;
  password: string;
};

export type Role =
  | 'ADMIN'
  | 'CUSTOMER'
  | 'STAFF';

export type RegisterMutationVariables = Exact<{
  input: RegisterInput;
}>;


export type RegisterMutation = { register: { email: string, message: string } };

export type LoginMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type LoginMutation = { login: { accessToken: string, refreshToken: string, user: { id: string, email: string, name: string, role: Role } } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type ChangePasswordMutationVariables = Exact<{
  currentPassword: string;
  newPassword: string;
}>;


export type ChangePasswordMutation = { changePassword: { accessToken: string, refreshToken: string, user: { id: string, email: string } } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string, name: string, role: Role } | null };

export type ProductsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type ProductsQuery = { products: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, sku: string, name: string, priceCents: number, currency: string, stock: number } }> } };

export type ProductQueryVariables = Exact<{
  id: string | number;
}>;


export type ProductQuery = { product: { id: string, sku: string, name: string, description: string | null, priceCents: number, currency: string, stock: number } | null };

export type PlaceOrderMutationVariables = Exact<{
  input: PlaceOrderInput;
}>;


export type PlaceOrderMutation = { placeOrder: { id: string, status: OrderStatus, totalCents: number, currency: string, lines: Array<{ quantity: number, unitPriceCents: number, product: { id: string, name: string } }> } };

export type OrderQueryVariables = Exact<{
  id: string | number;
}>;


export type OrderQuery = { order: { id: string, status: OrderStatus, totalCents: number, currency: string, updatedAt: string, lines: Array<{ quantity: number, product: { name: string } }>, payment: { state: PaymentState, attempts: number } | null } | null };

export type OrderStatusChangedSubscriptionVariables = Exact<{
  orderId: string | number;
}>;


export type OrderStatusChangedSubscription = { orderStatusChanged: { id: string, status: OrderStatus, totalCents: number, currency: string, customer: { email: string }, lines: Array<{ quantity: number, product: { name: string } }>, payment: { state: PaymentState, attempts: number } | null } };

export type MyOrdersQueryVariables = Exact<{ [key: string]: never; }>;


export type MyOrdersQuery = { me: { id: string, email: string } & ({ orders: Array<{ id: string, status: OrderStatus, totalCents: number, currency: string, createdAt: string, lines: Array<{ quantity: number, product: { name: string } }> }> } | { orders?: never }) | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const RegisterDocument = new TypedDocumentString(`
    mutation Register($input: RegisterInput!) {
  register(input: $input) {
    email
    message
  }
}
    `, {"hash":"sha256:aa79e1557f4dc74d89ed98f86c867a10d1f2c92e831f994accd31a54801a2835"}) as unknown as TypedDocumentString<RegisterMutation, RegisterMutationVariables>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    accessToken
    refreshToken
    user {
      id
      email
      name
      role
    }
  }
}
    `, {"hash":"sha256:619cc928ad1e69ea67c179be255413cc0e70e20272b6ac17d0bfd701741bbd45"}) as unknown as TypedDocumentString<LoginMutation, LoginMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout
}
    `, {"hash":"sha256:cb1d14c1cc99a25294cfa4376de2402364cb32e6c038a11fb36cf0ebb3a5ce91"}) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const ChangePasswordDocument = new TypedDocumentString(`
    mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
  changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
    accessToken
    refreshToken
    user {
      id
      email
    }
  }
}
    `, {"hash":"sha256:09568814b6993672247d503217716a4a1ec9ab8b76f2e1ff2436ae3724f4ab2c"}) as unknown as TypedDocumentString<ChangePasswordMutation, ChangePasswordMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    email
    name
    role
  }
}
    `, {"hash":"sha256:316b292677e1d0afa4d752cf95516491094fcea6ed13a7a069216b83dbd21cda"}) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const ProductsDocument = new TypedDocumentString(`
    query Products($first: Int, $after: String, $search: String) {
  products(first: $first, after: $after, search: $search) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        sku
        name
        priceCents
        currency
        stock
      }
    }
  }
}
    `, {"hash":"sha256:b727e92a1feede1a9e4a2c6b2e2c66e2bf0ceb43f9c418172a0e514741abe37d"}) as unknown as TypedDocumentString<ProductsQuery, ProductsQueryVariables>;
export const ProductDocument = new TypedDocumentString(`
    query Product($id: ID!) {
  product(id: $id) {
    id
    sku
    name
    description
    priceCents
    currency
    stock
  }
}
    `, {"hash":"sha256:bac78e0a190b93fd2da4d539abd182b76b59aa5715a5542ab6100b7f7198f5b2"}) as unknown as TypedDocumentString<ProductQuery, ProductQueryVariables>;
export const PlaceOrderDocument = new TypedDocumentString(`
    mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id
    status
    totalCents
    currency
    lines {
      quantity
      unitPriceCents
      product {
        id
        name
      }
    }
  }
}
    `, {"hash":"sha256:5af0850f1b9a3ee4bed66c47c900f28e56426bbf3b89c6dcc8c7fcab6dbd7e76"}) as unknown as TypedDocumentString<PlaceOrderMutation, PlaceOrderMutationVariables>;
export const OrderDocument = new TypedDocumentString(`
    query Order($id: ID!) {
  order(id: $id) {
    id
    status
    totalCents
    currency
    updatedAt
    lines {
      quantity
      product {
        name
      }
    }
    payment {
      state
      attempts
    }
  }
}
    `, {"hash":"sha256:fce6a06a45738fa8d58940a82c254f592511106b57cc4c622320c06ecb18f432"}) as unknown as TypedDocumentString<OrderQuery, OrderQueryVariables>;
export const OrderStatusChangedDocument = new TypedDocumentString(`
    subscription OrderStatusChanged($orderId: ID!) {
  orderStatusChanged(orderId: $orderId) {
    id
    status
    totalCents
    currency
    customer {
      email
    }
    lines {
      quantity
      product {
        name
      }
    }
    payment {
      state
      attempts
    }
  }
}
    `, {"hash":"sha256:ddbabef19a320f95dce6729611a580f5d664c47be78962ad0c171f20214e8bbc"}) as unknown as TypedDocumentString<OrderStatusChangedSubscription, OrderStatusChangedSubscriptionVariables>;
export const MyOrdersDocument = new TypedDocumentString(`
    query MyOrders {
  me {
    id
    email
    ... @defer(label: "orders") {
      orders(first: 5) {
        id
        status
        totalCents
        currency
        createdAt
        lines {
          quantity
          product {
            name
          }
        }
      }
    }
  }
}
    `, {"hash":"sha256:07e5c5c5bb3e2196c32c49ad081c7c9331424aa033fe4525560b697c87bd5add"}) as unknown as TypedDocumentString<MyOrdersQuery, MyOrdersQueryVariables>;