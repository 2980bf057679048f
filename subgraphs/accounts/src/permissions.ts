import { allow, hasRole, isGatewayCall, isUser, ownedBy, type SubgraphRules } from "@fedplat/subgraph";
import type { User } from "./generated/prisma/client";
import { ADMIN_ROLES, STAFF_ROLES } from "./roles";

const isStaff = hasRole(...STAFF_ROLES);
const isAdmin = hasRole(...ADMIN_ROLES);

/** Deny by default (see withPermissions): every type and field of this subgraph has a rule here. */
export const permissions: SubgraphRules = {
  // user(id): one's own account, or anyone's for staff. ownedBy checks the role first, so a staff
  // viewer's answer never reads its id (graphql-shield's or() evaluates every rule; its race() and
  // chain() call util.isUndefined, which Node 24 no longer has).
  Query: {
    me: allow,
    user: ownedBy<unknown, { id: string }>((_parent, args) => args.id, { orRoles: STAFF_ROLES }),
    users: isStaff,
    apiKeys: isAdmin,
    accountsAuditLog: isAdmin,
    apiKeyPrincipal: isGatewayCall,
    sessionState: isGatewayCall,
    sessionStates: isGatewayCall,
  },
  Mutation: {
    register: allow,
    login: allow,
    refreshToken: allow,
    logout: isUser,
    changePassword: isUser,
    updateProfile: isUser,
    setUserRole: isAdmin,
    setUserDisabled: isAdmin,
    createApiKey: isAdmin,
    revokeApiKey: isAdmin,
  },
  // A user's details are theirs (and staff's); the id alone is what references carry.
  User: { id: allow, "*": ownedBy<User>((user) => user.id, { orRoles: STAFF_ROLES }) },
  AuthPayload: allow,
  Registration: allow,
  ApiKey: isAdmin,
  ApiKeyCreated: isAdmin,
  ApiKeyPrincipal: isGatewayCall,
  SessionState: isGatewayCall,
  AuditEvent: isAdmin,
  AuditEventEdge: isAdmin,
  AuditEventConnection: isAdmin,
  UserConnection: allow,
  UserEdge: allow,
  PageInfo: allow,
};
