import { runSubgraph } from "@fedplat/common";
import { createPaymentsPrisma } from "./db";
import { buildPaymentsServer } from "./server";

runSubgraph({ name: "payments", defaultPort: 4004, createPrisma: createPaymentsPrisma, build: buildPaymentsServer });
