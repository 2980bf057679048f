/**
 * `npm run sessions:end-all -- --yes`: signs every user out everywhere (see auth/endAllSessions.ts).
 * For a leaked signing key or a suspected breach (docs/runbook.md). Database as for the service:
 * ACCOUNTS_DATABASE_URL, else DATABASE_URL. Exits 0 when done, 2 on bad usage.
 */
import { exitWithUsageError, parseCommandLine, serviceDatabaseUrl } from "@fedplat/runtime";
import { endAllSessions } from "../auth/endAllSessions";
import { createAccountsPrisma } from "../db";

const USAGE = `usage: npm run sessions:end-all -- --yes

Signs every user out of every device: revokes every refresh token and ends every access token.

options:
  --yes        required: confirms that every user is signed out
  -h, --help   print this text`;

async function main(): Promise<number> {
  const { values } = parseCommandLine({ usage: USAGE, options: { yes: { type: "boolean" } } });
  if (!values.yes) exitWithUsageError(USAGE, "--yes is required");
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
