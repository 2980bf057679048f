import { createFieldCipher } from "@fedplat/runtime";
import { runSubgraph } from "@fedplat/subgraph";
import { requireEventPiiCipher, requireSigningKey } from "@fedplat/events";
import { loadAccountsConfig } from "./config";
import { createAccountsPrisma } from "./db";
import { buildAccountsServer } from "./server";

runSubgraph({
  name: "accounts",
  defaultPort: 4001,
  createPrisma: createAccountsPrisma,
  build: (deps) => {
    requireSigningKey("accounts");
    requireEventPiiCipher(); // user.registered carries an email and a name, sealed with EVENT_PII_KEYS
    const config = loadAccountsConfig();
    return buildAccountsServer({
      ...deps,
      jwtSecret: config.tokenSigningKey,
      apiKeyMaxDays: config.apiKeyMaxDays,
      cipher: createFieldCipher(config.piiEncryptionKeys, config.piiActiveKeyId),
      loginThrottle: {
        maxFailures: config.loginMaxFailures,
        lockSeconds: config.loginLockSeconds,
        maxLockSeconds: config.loginMaxLockSeconds,
        forgetAfterSeconds: config.loginForgetAfterSeconds,
      },
    });
  },
});
