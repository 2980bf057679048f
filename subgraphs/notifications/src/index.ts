export { type NotificationsPrisma, createNotificationsPrisma } from "./db";
export { buildNotificationsServer, typeDefs } from "./server";
export { createNotificationsEventHandlers } from "./events/handlers";
export { notificationsSections } from "./sections";
