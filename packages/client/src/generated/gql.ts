/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      email\n      message\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      accessToken\n      refreshToken\n      user { id email name role }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      accessToken\n      refreshToken\n      user { id email }\n    }\n  }\n": typeof types.ChangePasswordDocument,
    "\n  query Me {\n    me { id email name role }\n  }\n": typeof types.MeDocument,
    "\n  query Products($first: Int, $after: String, $search: String) {\n    products(first: $first, after: $after, search: $search) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id sku name priceCents currency stock } }\n    }\n  }\n": typeof types.ProductsDocument,
    "\n  query Product($id: ID!) {\n    product(id: $id) { id sku name description priceCents currency stock }\n  }\n": typeof types.ProductDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      totalCents\n      currency\n      lines { quantity unitPriceCents product { id name } }\n    }\n  }\n": typeof types.PlaceOrderDocument,
    "\n  query Order($id: ID!) {\n    order(id: $id) {\n      id\n      status\n      totalCents\n      currency\n      updatedAt\n      lines { quantity product { name } }\n      payment { state attempts }\n    }\n  }\n": typeof types.OrderDocument,
    "\n  subscription OrderStatusChanged($orderId: ID!) {\n    orderStatusChanged(orderId: $orderId) {\n      id\n      status\n      totalCents\n      currency\n      customer { email }\n      lines { quantity product { name } }\n      payment { state attempts }\n    }\n  }\n": typeof types.OrderStatusChangedDocument,
    "\n  query MyOrders {\n    me {\n      id\n      email\n      ... @defer(label: \"orders\") {\n        orders(first: 5) { id status totalCents currency createdAt lines { quantity product { name } } }\n      }\n    }\n  }\n": typeof types.MyOrdersDocument,
};
const documents: Documents = {
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      email\n      message\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      accessToken\n      refreshToken\n      user { id email name role }\n    }\n  }\n": types.LoginDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      accessToken\n      refreshToken\n      user { id email }\n    }\n  }\n": types.ChangePasswordDocument,
    "\n  query Me {\n    me { id email name role }\n  }\n": types.MeDocument,
    "\n  query Products($first: Int, $after: String, $search: String) {\n    products(first: $first, after: $after, search: $search) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id sku name priceCents currency stock } }\n    }\n  }\n": types.ProductsDocument,
    "\n  query Product($id: ID!) {\n    product(id: $id) { id sku name description priceCents currency stock }\n  }\n": types.ProductDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      totalCents\n      currency\n      lines { quantity unitPriceCents product { id name } }\n    }\n  }\n": types.PlaceOrderDocument,
    "\n  query Order($id: ID!) {\n    order(id: $id) {\n      id\n      status\n      totalCents\n      currency\n      updatedAt\n      lines { quantity product { name } }\n      payment { state attempts }\n    }\n  }\n": types.OrderDocument,
    "\n  subscription OrderStatusChanged($orderId: ID!) {\n    orderStatusChanged(orderId: $orderId) {\n      id\n      status\n      totalCents\n      currency\n      customer { email }\n      lines { quantity product { name } }\n      payment { state attempts }\n    }\n  }\n": types.OrderStatusChangedDocument,
    "\n  query MyOrders {\n    me {\n      id\n      email\n      ... @defer(label: \"orders\") {\n        orders(first: 5) { id status totalCents currency createdAt lines { quantity product { name } } }\n      }\n    }\n  }\n": types.MyOrdersDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      email\n      message\n    }\n  }\n"): typeof import('./graphql').RegisterDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      accessToken\n      refreshToken\n      user { id email name role }\n    }\n  }\n"): typeof import('./graphql').LoginDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): typeof import('./graphql').LogoutDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      accessToken\n      refreshToken\n      user { id email }\n    }\n  }\n"): typeof import('./graphql').ChangePasswordDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { id email name role }\n  }\n"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Products($first: Int, $after: String, $search: String) {\n    products(first: $first, after: $after, search: $search) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id sku name priceCents currency stock } }\n    }\n  }\n"): typeof import('./graphql').ProductsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Product($id: ID!) {\n    product(id: $id) { id sku name description priceCents currency stock }\n  }\n"): typeof import('./graphql').ProductDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      totalCents\n      currency\n      lines { quantity unitPriceCents product { id name } }\n    }\n  }\n"): typeof import('./graphql').PlaceOrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Order($id: ID!) {\n    order(id: $id) {\n      id\n      status\n      totalCents\n      currency\n      updatedAt\n      lines { quantity product { name } }\n      payment { state attempts }\n    }\n  }\n"): typeof import('./graphql').OrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OrderStatusChanged($orderId: ID!) {\n    orderStatusChanged(orderId: $orderId) {\n      id\n      status\n      totalCents\n      currency\n      customer { email }\n      lines { quantity product { name } }\n      payment { state attempts }\n    }\n  }\n"): typeof import('./graphql').OrderStatusChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrders {\n    me {\n      id\n      email\n      ... @defer(label: \"orders\") {\n        orders(first: 5) { id status totalCents currency createdAt lines { quantity product { name } } }\n      }\n    }\n  }\n"): typeof import('./graphql').MyOrdersDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
