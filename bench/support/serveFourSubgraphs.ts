/**
 * Child process of bench/gateway.ts: serves the four in-memory subgraphs of fourSubgraphs.ts, each
 * on its own port of 127.0.0.1, and prints `ready {"accounts":"http://...",...}` once all listen.
 * GET /requests on any of them answers how many GraphQL requests each has received so far.
 *
 * Each is a plain Apollo Server on buildSubgraphSchema. The data never changes, so an answer is
 * remembered by its request body: the first request of each body is executed by Apollo Server, the
 * next identical ones are answered from memory. The subgraphs then cost the shared 2-core machine
 * little more than reading a request, and the gateways are what the workload measures (the public
 * benchmark uses Rust subgraphs for the same reason).
 */
import http from "node:http";
import { ApolloServer, HeaderMap } from "@apollo/server";
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { FOUR_SUBGRAPHS } from "./fourSubgraphs";

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Distinct bodies remembered per subgraph; the workload sends a handful. */
const MAX_REMEMBERED = 1_000;
/** GraphQL requests received, per subgraph. */
const received: Record<string, number> = {};

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function serve(subgraph: (typeof FOUR_SUBGRAPHS)[number]): Promise<string> {
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: subgraph.typeDefs, resolvers: subgraph.resolvers }),
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const remembered = new Map<string, Answer>();
  const execute = async (raw: string, req: http.IncomingMessage): Promise<Answer> => {
    const headers = new HeaderMap();
    headers.set("content-type", "application/json");
    const accept = req.headers.accept;
    if (typeof accept === "string") headers.set("accept", accept);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: "POST", headers, search: "", body: JSON.parse(raw) },
      context: async () => ({}),
    });
    if (response.body.kind !== "complete") throw new Error(`${subgraph.name}: an incremental answer`);
    return {
      status: response.status ?? 200,
      headers: Object.fromEntries(response.headers),
      body: response.body.string,
    };
  };
  received[subgraph.name] = 0;
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/requests") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received));
      return;
    }
    received[subgraph.name] = (received[subgraph.name] ?? 0) + 1;
    readBody(req)
      .then(async (raw) => {
        let answer = remembered.get(raw);
        if (!answer) {
          answer = await execute(raw, req);
          if (answer.status === 200 && remembered.size < MAX_REMEMBERED) remembered.set(raw, answer);
        }
        res.writeHead(answer.status, answer.headers).end(answer.body);
      })
      .catch((error: unknown) => {
        res
          .writeHead(500, { "content-type": "application/json" })
          .end(JSON.stringify({ errors: [{ message: String(error) }] }));
      });
  });
  // The gateways keep up to 50 connections busy: no idle timeout shorter than their pools'.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error(`${subgraph.name}: no port`);
  return `http://127.0.0.1:${address.port}/graphql`;
}

Promise.all(FOUR_SUBGRAPHS.map(async (subgraph) => [subgraph.name, await serve(subgraph)] as const)).then(
  (urls) => console.log(`ready ${JSON.stringify(Object.fromEntries(urls))}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
// The bench closes stdin when it is done (or dies): nothing is left behind.
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
