import { runSubgraph } from "@fedplat/subgraph";
import { createPaymentsPrisma } from "./db";
import { buildPaymentsServer } from "./server";

runSubgraph({ name: "payments", defaultPort: 4004, createPrisma: createPaymentsPrisma, build: buildPaymentsServer });
