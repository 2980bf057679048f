import { pageSize, scalarResolvers } from "@fedplat/common";
import type { NotificationResolvers, Resolvers, UserResolvers } from "../generated/resolvers";

// Who may read what: permissions.ts (the user themself, or staff).
const Notification: NotificationResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.notification.load(id),
};

const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  notifications: (user, { first }, context) => context.loaders.notificationsOfUser.load({ parentId: user.id, limit: pageSize(first, 10) }),
};

export const resolvers: Resolvers = { ...scalarResolvers, Notification, User };
