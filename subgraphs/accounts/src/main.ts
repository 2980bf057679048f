import { envVars, parseEnv, runSubgraph } from "@fedplat/common";
import { z } from "zod";
import { createAccountsPrisma } from "./db";
import { buildAccountsServer } from "./server";

runSubgraph({
  name: "accounts",
  defaultPort: 4001,
  createPrisma: createAccountsPrisma,
  build: (deps) => buildAccountsServer({ ...deps, jwtSecret: parseEnv(z.object({ JWT_SECRET: envVars.secret })).JWT_SECRET }),
});
