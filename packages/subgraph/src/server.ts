/**
 * `@fedplat/subgraph/server`: the server builder alone. The main entry's resolver helpers (shield
 * rules, scalars, loaders) load the GraphQL libraries when imported; through this entry a process
 * loads them only when a schema is built, so the workers, serving the operations subgraph with
 * `schemaOnFirstRequest`, do not hold them while idle.
 */
export {
  type BaseContext,
  buildSubgraphServer,
  type SchemaOnFirstRequest,
  type SubgraphSchema,
  type SubgraphServer,
  type SubgraphServerOptions,
} from "./subgraphServer";
