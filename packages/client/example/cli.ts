/**
 * Example CLI on @fedplat/client: `npm run client -- <command>`. Every call is a generated, typed
 * document sent by its persisted id, so it works against a gateway that enforces trusted documents.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, defineSection, loadConfig } from "@fedplat/runtime";
import { z } from "zod";
import {
  createGraphQLClient,
  createSubscriptionClient,
  GraphQLRequestError,
  ChangePasswordDocument,
  LoginDocument,
  LogoutDocument,
  MyOrdersDocument,
  OrderStatusChangedDocument,
  type OrderStatusChangedSubscription,
  persistedDocuments,
  placeOrder,
  ProductsDocument,
  RegisterDocument,
  SubscriptionClosedError,
} from "../src";
import { clearSession, readSession, writeSession } from "./session";

const USAGE = `Usage: npm run client -- <command>

  register <email> <password> <name>   create an account and log in
  login <email> <password>             log in (the token is kept in FEDPLAT_SESSION)
  logout                               end the session (on every device) and forget it
  change-password <current> <new>      set a new password; other devices are signed out
  products [--search text] [--first n] browse the catalog
  place-order <productId:quantity>...  order as the logged-in user (retried safely: one idempotency key)
  my-orders                            who is logged in at once, then their last 5 orders (@defer)
  follow <orderId>                     show each status change (live) until CONFIRMED or CANCELLED

Environment: FEDPLAT_URL (default http://localhost:4000/graphql; subscriptions use the same
address over ws:// or wss://), FEDPLAT_SESSION (default ~/.fedplat/session.json).`;

/** The example CLI's options (its own section: it runs on a client's machine, not in the platform). */
const clientCliSection = defineSection({
  path: "client",
  schema: z.object({
    url: z
      .url({ protocol: /^https?$/ })
      .default("http://localhost:4000/graphql")
      .describe("The gateway's GraphQL endpoint (subscriptions use the same address over ws:// or wss://)"),
    session: z
      .string()
      .min(1)
      .default(join(homedir(), ".fedplat", "session.json"))
      .describe("Where login keeps the session's tokens"),
  }),
  env: { names: { url: "FEDPLAT_URL", session: "FEDPLAT_SESSION" } },
});
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;
/** Where `follow` stops: the saga's outcomes, and the later states of an order followed after it settled. */
const SETTLED = new Set(["CONFIRMED", "CANCELLED", "SHIPPED", "DELIVERED"]);

class UsageError extends Error {}

/** What a closed subscription connection means for someone following an order (gateway close codes, README "Subscriptions"). */
function closeMessage(error: SubscriptionClosedError): string {
  const reason = error.reason ? ` (${error.reason})` : "";
  switch (error.closeCode) {
    case 4401:
      return `Not authorized${reason}: log in again with npm run client -- login <email> <password>`;
    case 4403:
      return `Forbidden${reason}: the credentials were revoked`;
    case 4029:
      return `Too many open connections for this user${reason}: close some and retry`;
    case 4013:
      return `Disconnected as a slow consumer${reason}`;
    case 1013:
      return `The gateway cannot check credentials right now${reason}: retry later`;
    case 1001:
      return `The gateway is shutting down${reason}: retry in a moment`;
    default:
      return `The subscription connection closed with code ${error.closeCode}${reason}`;
  }
}

function describeOrder(order: OrderStatusChangedSubscription["orderStatusChanged"]): string {
  const payment = order.payment
    ? `payment ${order.payment.state} after ${order.payment.attempts} attempt(s)`
    : "no payment yet";
  const items = order.lines.map((line) => `${line.quantity} x ${line.product.name}`).join(", ");
  return `${order.status.padEnd(9)} ${money(order.totalCents, order.currency)}  ${payment}  ${order.customer.email}: ${items}`;
}

/** The WebSocket address of an HTTP GraphQL endpoint (same host, port and path). */
const webSocketUrl = (httpUrl: string) => httpUrl.replace(/^http/, "ws");

async function run(command: string | undefined, args: string[]): Promise<void> {
  const { cli: settings } = loadConfig({ cli: clientCliSection });
  const client = createGraphQLClient({
    url: settings.url,
    token: () => readSession(settings.session)?.accessToken,
    persistedDocuments,
  });
  switch (command) {
    case "register": {
      const [email, password, ...name] = args;
      if (!email || !password || !name.length) throw new UsageError("register needs <email> <password> <name>");
      // register never says whether the email was taken; logging in with the new password does
      // (a taken email fails here as UNAUTHENTICATED, and its owner has been told by email).
      const { register } = await client.request(RegisterDocument, { input: { email, password, name: name.join(" ") } });
      const { login } = await client
        .request(LoginDocument, { email: register.email, password })
        .catch((error: unknown) => {
          if (error instanceof GraphQLRequestError && error.code === "UNAUTHENTICATED")
            throw new Error(`${register.message} (logging in with this password failed)`);
          throw error;
        });
      writeSession(settings.session, { accessToken: login.accessToken, email: login.user.email });
      console.log(`Registered and logged in as ${login.user.email} (${login.user.role})`);
      return;
    }
    case "login": {
      const [email, password] = args;
      if (!email || !password) throw new UsageError("login needs <email> <password>");
      const { login } = await client.request(LoginDocument, { email, password });
      writeSession(settings.session, { accessToken: login.accessToken, email: login.user.email });
      console.log(`Logged in as ${login.user.email} (${login.user.role})`);
      return;
    }
    case "logout": {
      // Ends the session at the gateway too (its access token stops working within 5 s); an
      // already-ended session is forgotten all the same.
      if (readSession(settings.session)) {
        await client.request(LogoutDocument, {}).catch((error: unknown) => {
          if (!(error instanceof GraphQLRequestError && error.code === "UNAUTHENTICATED")) throw error;
        });
      }
      clearSession(settings.session);
      console.log("Logged out");
      return;
    }
    case "change-password": {
      const [currentPassword, newPassword] = args;
      if (!currentPassword || !newPassword) throw new UsageError("change-password needs <current> <new>");
      const { changePassword } = await client.request(ChangePasswordDocument, { currentPassword, newPassword });
      writeSession(settings.session, { accessToken: changePassword.accessToken, email: changePassword.user.email });
      console.log(`Password changed for ${changePassword.user.email}; every other session is signed out`);
      return;
    }
    case "products": {
      const { values } = parseArgs({
        args,
        options: { search: { type: "string" }, first: { type: "string", default: "10" } },
      });
      const first = Number(values.first);
      if (!Number.isInteger(first) || first < 1) throw new UsageError("--first must be a positive whole number");
      const { data, headers } = await client.execute(ProductsDocument, {
        first,
        ...(values.search ? { search: values.search } : {}),
      });
      for (const { node } of data.products.edges)
        console.log(
          `${node.id}  ${node.sku}  ${node.name.padEnd(40)} ${money(node.priceCents, node.currency).padStart(12)}  stock ${node.stock}`,
        );
      console.log(
        `${data.products.edges.length} of ${data.products.totalCount} products (cache: ${headers.get("x-cache") ?? "n/a"})`,
      );
      return;
    }
    case "my-orders": {
      // One request: the account first, the orders (another subgraph) as a later part of the same response.
      for await (const { data, hasNext, errors } of client.stream(MyOrdersDocument)) {
        if (errors.length) throw new GraphQLRequestError(errors, 200, data);
        if (!data.me) throw new UsageError("my-orders needs a login: npm run client -- login <email> <password>");
        if (!data.me.orders) {
          console.log(`${data.me.email}${hasNext ? ": loading orders..." : ""}`);
          continue;
        }
        for (const order of data.me.orders) {
          const items = order.lines.map((line) => `${line.quantity} x ${line.product.name}`).join(", ");
          console.log(
            `${order.id}  ${order.status.padEnd(9)} ${money(order.totalCents, order.currency).padStart(12)}  ${items}`,
          );
        }
        if (!data.me.orders.length) console.log("no orders yet");
      }
      return;
    }
    case "place-order": {
      if (!args.length) throw new UsageError("place-order needs at least one <productId:quantity>");
      const lines = args.map((arg) => {
        const [productId, quantity] = arg.split(":");
        if (!productId || !quantity || !/^\d+$/.test(quantity))
          throw new UsageError(`"${arg}" is not <productId:quantity>`);
        return { productId, quantity: Number(quantity) };
      });
      // One idempotency key for all attempts: a retry after a lost answer returns the same order.
      const order = await placeOrder(client, { lines });
      console.log(`Order ${order.id} ${order.status}, ${money(order.totalCents, order.currency)}`);
      for (const line of order.lines)
        console.log(`  ${line.quantity} x ${line.product.name} at ${money(line.unitPriceCents, order.currency)}`);
      console.log(`Follow it: npm run client -- follow ${order.id}`);
      return;
    }
    case "follow": {
      const [orderId] = args;
      if (!orderId) throw new UsageError("follow needs <orderId>");
      const token = readSession(settings.session)?.accessToken;
      if (!token) throw new Error("Not logged in: npm run client -- login <email> <password>");
      // The order's current state arrives first, then each change; leaving the loop unsubscribes.
      const live = createSubscriptionClient({
        url: webSocketUrl(settings.url),
        token: () => token,
        persistedDocuments,
      });
      try {
        for await (const { orderStatusChanged: order } of live.subscribe(OrderStatusChangedDocument, { orderId })) {
          console.log(`${new Date().toISOString()}  ${describeOrder(order)}`);
          if (SETTLED.has(order.status)) return;
        }
        throw new Error(`The gateway ended the subscription before order ${orderId} settled`);
      } finally {
        await live.close();
      }
    }
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

run(process.argv[2], process.argv.slice(3)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof ConfigError) console.error(error.message);
  else if (error instanceof SubscriptionClosedError) console.error(`Error: ${closeMessage(error)}`);
  else if (error instanceof GraphQLRequestError)
    console.error(`Error${error.code ? ` (${error.code})` : ""}: ${error.message}`);
  else console.error(`Error: ${(error as Error).message}`);
  process.exitCode = 1;
});
