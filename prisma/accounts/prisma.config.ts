// Prisma CLI configuration of the accounts service (see ../migrateAdapter.ts).
import { serviceConfig } from "../migrateAdapter";

export default serviceConfig("accounts");
