// Prisma CLI configuration of the catalog service (see ../migrateAdapter.ts).
import { serviceConfig } from "../migrateAdapter";

export default serviceConfig("catalog");
