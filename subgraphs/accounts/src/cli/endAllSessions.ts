/**
 * `npm run sessions:end-all -- --yes`: signs every user out everywhere (see auth/endAllSessions.ts).
 * For a leaked signing key or a suspected breach (docs/runbook.md). Database as for the service:
 * ACCOUNTS_DATABASE_URL, else DATABASE_URL. Exits 0 when done, 2 on bad usage.
 */
import { serviceDatabaseUrl } from "@fedplat/runtime";
import { endAllSessions } from "../auth/endAllSessions";
import { createAccountsPrisma } from "../db";

async function main(): Promise<number> {
  if (process.argv.slice(2).join(" ") !== "--yes") {
    console.error("usage: npm run sessions:end-all -- --yes   (signs every user out of every device)");
    return 2;
  }
  // The database section validates DATABASE_URL and ACCOUNTS_DATABASE_URL, naming the bad one.
  const prisma = createAccountsPrisma(serviceDatabaseUrl("accounts"), { queryEvents: false });
  try {
    const { users, refreshTokens } = await endAllSessions(prisma);
    console.log(
      `${users} user(s) signed out everywhere (${refreshTokens} refresh token(s) revoked); access tokens stop at every gateway within SESSION_CHECK_MS (<= 5 s)`,
    );
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
