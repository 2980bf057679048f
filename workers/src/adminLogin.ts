import { createGraphQLClient, GraphQLRequestError, LoginDocument, persistedDocuments } from "@fedplat/client";

/** Signs a user in with email and password; resolves with an access token. */
export type AdminLogin = (email: string, password: string) => Promise<string>;

/** Why a sign-in was refused, as Bull Board's page answers it. */
export class AdminLoginRefused extends Error {
  override name = "AdminLoginRefused";
  constructor(
    readonly status: 401 | 429,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Bull Board's sign-in through the gateway's `login` mutation, as any client signs in: the
 * gateway's login rate limits and bad-credential budget apply, and the typed client sends the
 * mutation's persisted-document id, so it passes trusted-document enforcement in production.
 * Wrong credentials (and a rate limit) reject with AdminLoginRefused; anything else (the gateway
 * unreachable, a 5xx) rejects with the client's error, which the page answers with 503.
 */
export function createGatewayAdminLogin(options: { url: string; timeoutMs?: number }): AdminLogin {
  const client = createGraphQLClient({
    url: options.url,
    persistedDocuments,
    mode: "id-first",
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return async (email, password) => {
    try {
      const { login } = await client.request(LoginDocument, { email, password });
      return login.accessToken;
    } catch (error) {
      if (error instanceof GraphQLRequestError && error.code === "RATE_LIMITED")
        throw new AdminLoginRefused(429, "Too many sign-in attempts: wait a minute and try again.");
      if (error instanceof GraphQLRequestError && (error.code === "UNAUTHENTICATED" || error.code === "BAD_USER_INPUT"))
        throw new AdminLoginRefused(401, "Wrong email or password.");
      throw error;
    }
  };
}
