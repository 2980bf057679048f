import http from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, buildConnector, getGlobalDispatcher, setGlobalDispatcher } from "undici";
import { subgraphFetch } from "../src/transport/subgraphFetch";

let server: http.Server;
let base: string;
let received: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  // A real HTTP server standing in for a subgraph: answers by path.
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ method: req.method, headers: req.headers, body });
      if (req.url === "/slow") {
        setTimeout(() => res.end("{}"), 2_000).unref();
        return;
      }
      if (req.url === "/drop") {
        req.socket.destroy();
        return;
      }
      const status = req.url === "/unauthenticated" ? 401 : 200;
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "max-age=60, public",
      });
      res.end(JSON.stringify({ data: { echo: JSON.parse(body) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  received = [];
});

describe("subgraph fetch", () => {
  it("posts the request as given and returns the answer with its status, headers and JSON body", async () => {
    const response = await subgraphFetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "r-1" },
      body: JSON.stringify({ query: /* GraphQL */ "{ a }" }),
    });
    expect(received).toEqual([
      expect.objectContaining({
        method: "POST",
        body: '{"query":/* GraphQL */ "{ a }"}',
        headers: expect.objectContaining({ "x-request-id": "r-1" }),
      }),
    ]);
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.statusText).toBe("OK");
    // The executor reads these two, by any case: the body's parser and the subgraph's cache hint.
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("max-age=60, public");
    expect(await response.clone().json()).toEqual({ data: { echo: { query: /* GraphQL */ "{ a }" } } });
    expect(await response.text()).toBe('{"data":{"echo":{"query":/* GraphQL */ "{ a }"}}}');
  });

  it("returns a 4xx answer as a response that is not ok", async () => {
    const response = await subgraphFetch(`${base}/unauthenticated`, { method: "POST", body: "{}" });
    expect(response.ok).toBe(false);
    expect(response.status).toBe(401);
    expect(response.statusText).toBe("Unauthorized");
  });

  it("rejects like fetch: a TimeoutError at the deadline, a TypeError when the connection fails", async () => {
    await expect(
      subgraphFetch(`${base}/slow`, { method: "POST", body: "{}", signal: AbortSignal.timeout(100) }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    await expect(subgraphFetch(`${base}/drop`, { method: "POST", body: "{}" })).rejects.toMatchObject({
      name: "TypeError",
      message: "fetch failed",
    });
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      subgraphFetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", body: "{}" }),
    ).rejects.toMatchObject({ name: "TypeError", cause: expect.objectContaining({ code: "ECONNREFUSED" }) });
  });
});

describe("subgraph fetch deadline", () => {
  it("rejects at the deadline when the connection closed before undici began to watch it", async () => {
    // The state undici 6 reaches when a subgraph drops a connection while the parser of its first
    // connection is still compiling: the socket closed before its listeners were attached. The
    // request then waits forever for a connection that never comes, and undici ignores the
    // AbortSignal of a request not yet written. Here the connector hands over an already-closed socket.
    const connect = buildConnector({});
    const closedFirst: buildConnector.connector = (options, callback) =>
      connect(options, (error, socket) => {
        if (error || !socket) return callback(error ?? new Error("no socket"), null);
        socket.once("close", () => callback(null, socket));
        socket.destroy();
      });
    const previous = getGlobalDispatcher();
    const agent = new Agent({ connect: closedFirst });
    setGlobalDispatcher(agent);
    try {
      const started = performance.now();
      const outcome = await Promise.race([
        subgraphFetch(`${base}/graphql`, { method: "POST", body: "{}", signal: AbortSignal.timeout(200) }).then(
          () => "answered",
          (error: Error) => error.name,
        ),
        new Promise((resolve) => setTimeout(() => resolve("still pending"), 2_000).unref()),
      ]);
      expect(outcome).toBe("TimeoutError");
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      setGlobalDispatcher(previous);
      // Not awaited: the stuck connection never reports its close, so undici's destroy never settles.
      void agent.destroy().catch(() => undefined);
    }
  });
});
