// Prisma CLI configuration of the notifications service (see ../migrateAdapter.ts).
import { serviceConfig } from "../migrateAdapter";

export default serviceConfig("notifications");
