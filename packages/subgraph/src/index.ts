export { type Connection, MAX_PAGE_SIZE, decodeCursor, encodeCursor, isUuid, pageSize, paginate } from "./connection";
export { scalarResolvers } from "./scalars";
export {
  type BaseContext,
  type SchemaOnFirstRequest,
  type SubgraphSchema,
  type SubgraphServer,
  type SubgraphServerOptions,
  buildSubgraphServer,
} from "./subgraphServer";
export { createByIdLoader, createGroupLoader, createLimitedGroupLoader, createUniqueLoader } from "./loaders";
export {
  type PrismaLike,
  type RunSubgraphOptions,
  type SubgraphDeps,
  databaseCheck,
  runSubgraph,
} from "./subgraphRuntime";
export {
  loadSubgraphConfig,
  type SubgraphConfig,
  type SubgraphTls,
  serviceVerifyKeysVar,
  subgraphSectionsOf,
  subgraphServerSection,
} from "./subgraphConfig";
export { type NewestPerParentOptions, type RawQuerySource, newestIdsPerParent } from "./newestPerParent";
export {
  allow,
  and,
  deny,
  type IRules,
  hasRole,
  hasScope,
  isAuthenticated,
  isGatewayCall,
  isUser,
  or,
  ownedBy,
  type ServiceAccess,
  type SubgraphRules,
  withPermissions,
} from "./permissions";
export { type AuditedAction, type AuditNote, type AuditRow, auditActionFilter, runAudited } from "./audit";
export { withLiveDirective } from "@fedplat/events";
