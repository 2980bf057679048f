export { type NotificationsPrisma, createNotificationsPrisma } from "./db";
export { buildNotificationsServer, typeDefs } from "./server";
export { createNotificationsEventHandlers } from "./events/handlers";
export { eventService } from "./events/eventService";
export { notificationsSections } from "./sections";
