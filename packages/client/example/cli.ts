/**
 * Example CLI on @fedplat/client: `npm run client -- <command>`. Every call is a generated, typed
 * document sent by its persisted id, so it works against a gateway that enforces trusted documents.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, parseEnv } from "@fedplat/common";
import { z } from "zod";
import { createGraphQLClient, GraphQLRequestError, LoginDocument, OrderDocument, type OrderQuery, persistedDocuments, PlaceOrderDocument, ProductsDocument, RegisterDocument } from "../src";
import { clearSession, readSession, writeSession } from "./session";

const USAGE = `Usage: npm run client -- <command>

  register <email> <password> <name>   create an account and log in
  login <email> <password>             log in (the token is kept in FEDPLAT_SESSION)
  logout                               forget the session
  products [--search text] [--first n] browse the catalog
  place-order <productId:quantity>...  order as the logged-in user
  follow <orderId>                     show the order's status until it settles

Environment: FEDPLAT_URL (default http://localhost:4000/graphql),
FEDPLAT_SESSION (default ~/.fedplat/session.json), FOLLOW_INTERVAL_MS (default 500).`;

const cliEnv = z.object({
  FEDPLAT_URL: z.url({ protocol: /^https?$/ }).default("http://localhost:4000/graphql"),
  FEDPLAT_SESSION: z.string().min(1).default(join(homedir(), ".fedplat", "session.json")),
  FOLLOW_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
});
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;
const SETTLED = new Set(["CONFIRMED", "CANCELLED", "SHIPPED", "DELIVERED"]);
/** Consecutive failed polls `follow` rides out before giving up. */
const MAX_FOLLOW_FAILURES = 5;
const TRANSIENT = new Set(["INTERNAL_SERVER_ERROR", "SUBGRAPH_UNAVAILABLE", "NETWORK_ERROR"]);

class UsageError extends Error {}

function describeOrder(order: NonNullable<OrderQuery["order"]>): string {
  const payment = order.payment ? `payment ${order.payment.state} after ${order.payment.attempts} attempt(s)` : "no payment yet";
  return `${order.status.padEnd(9)} ${money(order.totalCents, order.currency)}  ${payment}`;
}

async function run(command: string | undefined, args: string[]): Promise<void> {
  const env = parseEnv(cliEnv);
  const client = createGraphQLClient({ url: env.FEDPLAT_URL, token: () => readSession(env.FEDPLAT_SESSION)?.accessToken, persistedDocuments });
  switch (command) {
    case "register": {
      const [email, password, ...name] = args;
      if (!email || !password || !name.length) throw new UsageError("register needs <email> <password> <name>");
      const { register } = await client.request(RegisterDocument, { input: { email, password, name: name.join(" ") } });
      writeSession(env.FEDPLAT_SESSION, { accessToken: register.accessToken, email: register.user.email });
      console.log(`Registered and logged in as ${register.user.email} (${register.user.role})`);
      return;
    }
    case "login": {
      const [email, password] = args;
      if (!email || !password) throw new UsageError("login needs <email> <password>");
      const { login } = await client.request(LoginDocument, { email, password });
      writeSession(env.FEDPLAT_SESSION, { accessToken: login.accessToken, email: login.user.email });
      console.log(`Logged in as ${login.user.email} (${login.user.role})`);
      return;
    }
    case "logout":
      clearSession(env.FEDPLAT_SESSION);
      console.log("Logged out");
      return;
    case "products": {
      const { values } = parseArgs({ args, options: { search: { type: "string" }, first: { type: "string", default: "10" } } });
      const first = Number(values.first);
      if (!Number.isInteger(first) || first < 1) throw new UsageError("--first must be a positive whole number");
      const { data, headers } = await client.execute(ProductsDocument, { first, ...(values.search ? { search: values.search } : {}) });
      for (const { node } of data.products.edges) console.log(`${node.id}  ${node.sku}  ${node.name.padEnd(40)} ${money(node.priceCents, node.currency).padStart(12)}  stock ${node.stock}`);
      console.log(`${data.products.edges.length} of ${data.products.totalCount} products (cache: ${headers.get("x-cache") ?? "n/a"})`);
      return;
    }
    case "place-order": {
      if (!args.length) throw new UsageError("place-order needs at least one <productId:quantity>");
      const lines = args.map((arg) => {
        const [productId, quantity] = arg.split(":");
        if (!productId || !quantity || !/^\d+$/.test(quantity)) throw new UsageError(`"${arg}" is not <productId:quantity>`);
        return { productId, quantity: Number(quantity) };
      });
      const { placeOrder } = await client.request(PlaceOrderDocument, { input: { lines } });
      console.log(`Order ${placeOrder.id} ${placeOrder.status}, ${money(placeOrder.totalCents, placeOrder.currency)}`);
      for (const line of placeOrder.lines) console.log(`  ${line.quantity} x ${line.product.name} at ${money(line.unitPriceCents, placeOrder.currency)}`);
      console.log(`Follow it: npm run client -- follow ${placeOrder.id}`);
      return;
    }
    case "follow": {
      const [id] = args;
      if (!id) throw new UsageError("follow needs <orderId>");
      // Polls the typed Order query: the gateway has no Subscription type yet. Once
      // Subscription.orderStatusChanged is composed, add it to src/operations/orders.ts and use
      // createSubscriptionClient(...).subscribe(OrderStatusChangedDocument, { orderId }) here.
      let last = "";
      let failures = 0;
      for (;;) {
        let order: OrderQuery["order"];
        try {
          ({ order } = await client.request(OrderDocument, { id }));
          failures = 0;
        } catch (error) {
          // A passing failure (a subgraph restarting, a busy database) should not end a long watch.
          if (!(error instanceof GraphQLRequestError) || !TRANSIENT.has(error.code ?? "") || ++failures > MAX_FOLLOW_FAILURES) throw error;
          console.error(`(retrying: ${error.message.split("\n")[0]})`);
          await new Promise((resolve) => setTimeout(resolve, env.FOLLOW_INTERVAL_MS));
          continue;
        }
        if (!order) throw new Error(`Order ${id} not found`);
        const line = describeOrder(order);
        if (line !== last) console.log(`${new Date().toISOString()}  ${line}`);
        last = line;
        if (SETTLED.has(order.status) && order.payment?.state !== "PENDING") return;
        await new Promise((resolve) => setTimeout(resolve, env.FOLLOW_INTERVAL_MS));
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
  else if (error instanceof GraphQLRequestError) console.error(`Error${error.code ? ` (${error.code})` : ""}: ${error.message}`);
  else console.error(`Error: ${(error as Error).message}`);
  process.exitCode = 1;
});
