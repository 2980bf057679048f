import { paymentProviderSection } from "@fedplat/payments";
import { databaseSection, defineSection } from "@fedplat/runtime";
import { z } from "zod";

/** The demo data `npm run setup` seeds into every empty service. */
export const seedSection = defineSection({
  path: "seed",
  schema: z.object({
    password: z
      .string()
      .min(1)
      .default("Passw0rd!")
      .describe("Password of the seeded demo accounts (admin@, staff@, customer@example.com)"),
  }),
  env: { names: { password: "SEED_PASSWORD" } },
  secrets: ["password"],
});

/** The seed's configuration sections, for `npm run config`. */
export const seedSections = { database: databaseSection, paymentProvider: paymentProviderSection, seed: seedSection };
