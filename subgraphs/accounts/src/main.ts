import { createFieldCipher, envVars, parseEnv, runSubgraph } from "@fedplat/common";
import { z } from "zod";
import { createAccountsPrisma } from "./db";
import { buildAccountsServer } from "./server";

runSubgraph({
  name: "accounts",
  defaultPort: 4001,
  createPrisma: createAccountsPrisma,
  build: (deps) => {
    const env = parseEnv(z.object({ JWT_SECRET: envVars.secret, PII_ENCRYPTION_KEYS: z.string().min(1), PII_ACTIVE_KEY_ID: z.string().min(1) }));
    return buildAccountsServer({ ...deps, jwtSecret: env.JWT_SECRET, cipher: createFieldCipher(env.PII_ENCRYPTION_KEYS, env.PII_ACTIVE_KEY_ID) });
  },
});
