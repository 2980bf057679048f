import { hasRole, requireViewer } from "@fedplat/auth";
import { isUuid, pageSize, scalarResolvers } from "@fedplat/subgraph";
import type { NotificationResolvers, QueryResolvers, Resolvers, UserResolvers } from "../generated/resolvers";
import { STAFF_ROLES } from "../roles";

// Who may read what: permissions.ts (the user themself, or staff).
const Notification: NotificationResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.notification.load(id),
};

const Query: QueryResolvers = {
  // Another user's notification reads as not found, so ids cannot be probed (like Query.order).
  notification: async (_parent, { id }, context) => {
    const viewer = requireViewer(context);
    const notification = isUuid(id) ? await context.loaders.notification.load(id) : null;
    return notification && (hasRole(viewer, ...STAFF_ROLES) || notification.userId === viewer.id) ? notification : null;
  },
};

const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  notifications: (user, { first }, context) =>
    context.loaders.notificationsOfUser.load({ parentId: user.id, limit: pageSize(first, 10) }),
};

export const resolvers: Resolvers = { ...scalarResolvers, Query, Notification, User };
