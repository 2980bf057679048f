import { runSubgraph } from "@fedplat/subgraph";
import { createNotificationsPrisma } from "./db";
import { buildNotificationsServer } from "./server";

runSubgraph({
  name: "notifications",
  defaultPort: 4005,
  createPrisma: createNotificationsPrisma,
  build: buildNotificationsServer,
});
