// Prisma CLI configuration of the payments service (see ../migrateAdapter.ts).
import { serviceConfig } from "../migrateAdapter";

export default serviceConfig("payments");
