import { runSubgraph } from "@fedplat/common";
import { createAccountsPrisma } from "./db";
import { buildAccountsServer } from "./server";

runSubgraph({ name: "accounts", defaultPort: 4001, createPrisma: createAccountsPrisma, build: buildAccountsServer });
