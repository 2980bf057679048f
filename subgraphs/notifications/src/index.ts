export { type NotificationsPrisma, createNotificationsPrisma } from "./db";
export { buildNotificationsServer, typeDefs } from "./server";
