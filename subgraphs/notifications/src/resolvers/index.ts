import { forbidden, isStaff, pageSize, requireViewer, scalarResolvers } from "@fedplat/common";
import type { NotificationResolvers, Resolvers, UserResolvers } from "../generated/resolvers";

const Notification: NotificationResolvers = {
  __resolveReference: async ({ id }, context) => {
    const notification = await context.loaders.notification.load(id);
    const viewer = requireViewer(context);
    return notification && (notification.userId === viewer.id || isStaff(viewer)) ? notification : null;
  },
};

const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  // A customer sees only their own notifications; staff see anyone's.
  notifications: (user, { first }, context) => {
    const viewer = requireViewer(context);
    if (viewer.id !== user.id && !isStaff(viewer)) throw forbidden("You can only read your own notifications");
    return context.loaders.notificationsOfUser.load({ parentId: user.id, limit: pageSize(first, 10) });
  },
};

export const resolvers: Resolvers = { ...scalarResolvers, Notification, User };
