/**
 * The explorer and Bull Board in a real browser (Debian's chromium through playwright-core), on a
 * machine with no internet: every request to a host other than the platform's is refused, so what
 * works here works offline. Needs /usr/bin/chromium (`.ci/run` installs it; CHROMIUM names another).
 */
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const product = buildSeedData().products.find((p) => p.stock >= 50);

let platform: Platform;
let browser: Browser;
let origin: string;
/** Requests the pages made to other hosts (each refused, as offline). */
let offHost: string[];

beforeAll(async () => {
  platform = await startPlatform();
  origin = new URL(platform.gatewayUrl).origin;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A fresh page whose requests to any host but 127.0.0.1 fail, as on a machine without internet. */
async function offlinePage(): Promise<Page> {
  const context = await browser.newContext();
  offHost = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    offHost.push(url.host);
    return route.abort("internetdisconnected");
  });
  return context.newPage();
}

/** Sets the visible one of GraphiQL's editors under `selector` (CodeMirror 5: its element carries the instance). */
async function setEditor(page: Page, selector: string, text: string) {
  const editor = page.locator(`${selector} .CodeMirror`).filter({ visible: true }).first();
  await editor.waitFor();
  await editor.evaluate(
    (element, value) =>
      (element as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(value),
    text,
  );
}

/** Waits until a line of GraphiQL's result pane shows `text`. */
const resultLine = (page: Page, text: string, timeout = 20_000) =>
  page.locator(".graphiql-response .CodeMirror-line", { hasText: text }).first().waitFor({ timeout });

describe("the gateway's explorer, offline", () => {
  it("falls back from Apollo Sandbox (its CDN unreachable) to the bundled GraphiQL", async () => {
    const page = await offlinePage();
    await page.goto(platform.gatewayUrl);
    await page.waitForURL(`${origin}/graphiql`);
    await page.locator(".graphiql-container").waitFor();
    expect(offHost).toEqual(expect.arrayContaining(["embeddable-sandbox.cdn.apollographql.com"]));
    await page.context().close();
  });

  it("runs a query, and a subscription with variables and an authorization header over graphql-ws, all from the gateway's own files", async () => {
    if (!product) throw new Error("no product in stock");
    const page = await offlinePage();
    await page.goto(`${origin}/graphiql`);
    await page.locator(".graphiql-container").waitFor();

    await setEditor(
      page,
      ".graphiql-query-editor",
      /* GraphQL */ "query Product($id: ID!) { product(id: $id) { name } }",
    );
    await page.getByText("Variables", { exact: true }).click();
    await setEditor(page, ".graphiql-editor-tool", JSON.stringify({ id: product.id }));
    await page.locator(".graphiql-execute-button").click();
    await resultLine(page, `"name": ${JSON.stringify(product.name)}`);

    // An order of the customer's; its subscription answers at once with its current state.
    const customer = await platform.login("customer@example.com");
    const placed = await platform.query<{ placeOrder: { id: string } }>(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
      { p: product.id },
      customer,
    );
    const orderId = placed.data?.placeOrder.id;
    expect(orderId).toEqual(expect.any(String));
    await setEditor(
      page,
      ".graphiql-query-editor",
      /* GraphQL */ "subscription Watch($id: ID!) { orderStatusChanged(orderId: $id) { id status customer { email } } }",
    );
    await setEditor(page, ".graphiql-editor-tool", JSON.stringify({ id: orderId }));
    await page.getByText("Headers", { exact: true }).click();
    await setEditor(page, ".graphiql-editor-tool", JSON.stringify(customer));
    await page.locator(".graphiql-execute-button").click();
    // The saga confirms the order: the event arrives over the same WebSocket, fields from two subgraphs.
    await resultLine(page, '"status": "CONFIRMED"', 60_000);
    await resultLine(page, `"id": "${orderId}"`);
    await resultLine(page, '"email": "customer@example.com"');
    expect(offHost).toEqual([]);
    await page.context().close();
  });
});

describe("Bull Board, offline", () => {
  it("signs an admin in with email and password (the login mutation through the gateway) and shows the queues", async () => {
    const workers = platform.services.workers;
    if (!workers) throw new Error("no workers process");
    const page = await offlinePage();
    await page.goto(`http://127.0.0.1:${workers.port}/admin/queues`);
    await page.waitForURL(/\/admin\/login$/);

    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toBe("Wrong email or password.");

    await page.getByLabel("Password").fill("Passw0rd!");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/admin\/queues/);
    await page.getByText("events-orders").first().waitFor({ timeout: 30_000 });
    await page.getByText("dead-letters").first().waitFor();
    await page.context().close();
  });
});
