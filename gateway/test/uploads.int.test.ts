import { randomUUID } from "node:crypto";
import http from "node:http";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { signAccessToken } from "@fedplat/auth";
import {
  bearer,
  graphqlRequest,
  TEST_JWT_SECRET,
  type TestFile,
  testPng,
  uploadRequest,
  waitFor,
} from "@fedplat/devkit";
import { createLogger } from "@fedplat/runtime";
import { buildGateway, type GatewayServer } from "../src";
import { manifestOf } from "../src/features/persistedDocuments";
import { createRedisKeyValueCache } from "../src/features/responseCache/redisKeyValueCache";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";

/**
 * File uploads (docs/uploads.md) through a real gateway over real catalog, accounts and orders
 * subgraphs: an admin's product image goes to catalog as a multipart stream and comes back on
 * the gateway's /images route; every refusal says which limit or defence fired.
 */
let services: AccountsCatalogOrders;
let gateway: GatewayServer;
let base: string;
let admin: Record<string, string>;
let customer: Record<string, string>;

const MAX_FILE_BYTES = 64 * 1024;
const UPLOAD = /* GraphQL */ `
  mutation Upload($productId: ID!, $image: Upload!) {
    uploadProductImage(productId: $productId, image: $image) { id imageUrl }
  }
`;

const png = testPng;

/** uploadProductImage with `files` at variables.image (more than one: a request over the file count). */
async function upload(productId: string, files: TestFile[], headers: Record<string, string>) {
  const res = await uploadRequest<{ uploadProductImage: { id: string; imageUrl: string | null } }>(
    `${base}/graphql`,
    UPLOAD,
    { productId, image: null },
    files.map((file) => ({ path: "variables.image", file })),
    headers,
  );
  return { status: res.status, body: res };
}

async function createProduct(): Promise<string> {
  const created = await graphqlRequest<{ createProduct: { id: string } }>(
    `${base}/graphql`,
    /* GraphQL */ `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
    { input: { sku: `IMG-${randomUUID()}`, name: "Lamp", priceCents: 1_000, stock: 1 } },
    admin,
  );
  expect(created.errors).toBeUndefined();
  return created.data?.createProduct.id ?? "";
}

async function imageUrlOf(productId: string): Promise<string | null | undefined> {
  const read = await graphqlRequest<{ product: { imageUrl: string | null } }>(
    `${base}/graphql`,
    /* GraphQL */ `query($id: ID!) { product(id: $id) { imageUrl } }`,
    { id: productId },
  );
  return read.data?.product.imageUrl;
}

const preflight = { "apollo-require-preflight": "true" };

beforeAll(async () => {
  services = await startAccountsCatalogOrders("uploads-test");
  gateway = await buildGateway({
    ...services.gatewayOptions(),
    uploads: { maxFileBytes: MAX_FILE_BYTES, maxFiles: 1 },
  });
  base = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}`;
  admin = bearer(await signAccessToken({ id: randomUUID(), role: "ADMIN" }, TEST_JWT_SECRET));
  customer = bearer(await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET));
});
afterAll(async () => {
  await gateway?.close();
  await services?.stop();
});

describe("product images uploaded through the gateway", () => {
  it("stores an admin's PNG in catalog and serves it on Product.imageUrl with caching headers", async () => {
    const productId = await createProduct();
    expect(await imageUrlOf(productId)).toBeNull();
    const image = png(120, 100);

    const uploaded = await upload(productId, [{ bytes: image, name: "lamp.png", type: "image/png" }], {
      ...admin,
      ...preflight,
    });
    expect(uploaded.body.errors).toBeUndefined();
    const imageUrl = uploaded.body.data?.uploadProductImage?.imageUrl ?? "";
    expect(imageUrl).toMatch(new RegExp(`^/images/products/${productId}\\?v=[0-9a-f]{16}$`));
    expect(await imageUrlOf(productId)).toBe(imageUrl);

    const served = await fetch(`${base}${imageUrl}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = served.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);

    const revalidated = await fetch(`${base}${imageUrl}`, { headers: { "if-none-match": etag } });
    expect(revalidated.status).toBe(304);
    expect((await revalidated.arrayBuffer()).byteLength).toBe(0);
  });

  it("replaces the image and its URL when the admin uploads another one", async () => {
    const productId = await createProduct();
    const first = await upload(productId, [{ bytes: png(10, 10), name: "a.png", type: "image/png" }], {
      ...admin,
      ...preflight,
    });
    const second = await upload(productId, [{ bytes: png(20, 10), name: "b.png", type: "image/png" }], {
      ...admin,
      ...preflight,
    });
    const firstUrl = first.body.data?.uploadProductImage?.imageUrl;
    const secondUrl = second.body.data?.uploadProductImage?.imageUrl;
    expect(secondUrl).toMatch(/^\/images\/products\//);
    expect(secondUrl).not.toBe(firstUrl);
    expect(await imageUrlOf(productId)).toBe(secondUrl);
  });

  it("refuses a customer's upload at the gateway (@policy: UNAUTHORIZED_FIELD_OR_TYPE)", async () => {
    const productId = await createProduct();
    const refused = await upload(productId, [{ bytes: png(8, 8), name: "x.png", type: "image/png" }], {
      ...customer,
      ...preflight,
    });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED_FIELD_OR_TYPE");
    expect(await imageUrlOf(productId)).toBeNull();
  });

  it("refuses a file over uploads.maxFileBytes with UPLOAD_TOO_LARGE and HTTP 413, storing nothing", async () => {
    const productId = await createProduct();
    const large = png(400, 400);
    expect(large.length).toBeGreaterThan(MAX_FILE_BYTES);
    const refused = await upload(productId, [{ bytes: large, name: "big.png", type: "image/png" }], {
      ...admin,
      ...preflight,
    });
    expect(refused.status).toBe(413);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("UPLOAD_TOO_LARGE");
    expect(await imageUrlOf(productId)).toBeNull();
  });

  it("refuses more files than uploads.maxFiles with UPLOAD_TOO_MANY_FILES and HTTP 413", async () => {
    const productId = await createProduct();
    const file = { bytes: png(8, 8), name: "x.png", type: "image/png" };
    const refused = await upload(productId, [file, file], { ...admin, ...preflight });
    expect(refused.status).toBe(413);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("UPLOAD_TOO_MANY_FILES");
    expect(await imageUrlOf(productId)).toBeNull();
  });

  it("refuses an upload without a preflight header as a possible CSRF (Apollo's csrfPrevention, 400)", async () => {
    const productId = await createProduct();
    const refused = await upload(productId, [{ bytes: png(8, 8), name: "x.png", type: "image/png" }], admin);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/Cross-Site Request Forgery \(CSRF\)/);
    expect(await imageUrlOf(productId)).toBeNull();
  });

  it("refuses a file that is not a PNG, JPEG or WebP image, whatever type the client claims", async () => {
    const productId = await createProduct();
    const text = Buffer.from("GIF89a? no: just text pretending to be an image");
    const refused = await upload(productId, [{ bytes: text, name: "x.png", type: "image/png" }], {
      ...admin,
      ...preflight,
    });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(refused.body.errors?.[0]?.message).toMatch(/PNG, JPEG or WebP/);
    expect(await imageUrlOf(productId)).toBeNull();
  });

  it("answers 404 for a product without an image and for paths other than a product's image", async () => {
    const productId = await createProduct();
    expect((await fetch(`${base}/images/products/${productId}`)).status).toBe(404);
    expect((await fetch(`${base}/images/products/..%2Fgraphql`)).status).toBe(404);
  });

  it("streams a file to catalog while the client is still sending it (the gateway never waits for the whole file)", async () => {
    // A relay between the gateway and catalog counts the bytes the gateway has sent on.
    let relayed = 0;
    const relay = http.createServer((req, res) => {
      const target = new URL(services.catalog.url);
      const forward = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          void pipeline(answer, res).catch(() => undefined);
        },
      );
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          relayed += chunk.length;
          done(null, chunk);
        },
      });
      void pipeline(req, counter, forward).catch(() => undefined);
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const options = services.gatewayOptions();
    const throughRelay = await buildGateway({
      ...options,
      subgraphUrls: {
        ...options.subgraphUrls,
        CATALOG: `http://127.0.0.1:${(relay.address() as { port: number }).port}/graphql`,
      },
    });
    try {
      const url = `http://127.0.0.1:${await throughRelay.listen(0, "127.0.0.1")}/graphql`;
      const productId = await createProduct();
      const image = png(1000, 1000);
      const half = Math.floor(image.length / 2);
      const boundary = `test-${randomUUID()}`;
      const head = [
        `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n`,
        JSON.stringify({ query: UPLOAD, variables: { productId, image: null } }),
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.image"]}`,
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
      ].join("");
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(url, {
          method: "POST",
          headers: { ...admin, ...preflight, "content-type": `multipart/form-data; boundary=${boundary}` },
        });
        req.on("response", async (res) => {
          let body = "";
          for await (const chunk of res) body += chunk;
          resolve({ status: res.statusCode ?? 0, body });
        });
        req.on("error", reject);
        req.write(head);
        req.write(image.subarray(0, half));
        // The second half is sent only once catalog has been sent the first: a gateway that waits
        // for the whole file before forwarding would never get it (the wait times out).
        void waitFor("the first half of the file to reach catalog", () => relayed >= half, 15_000).then(() => {
          req.write(image.subarray(half));
          req.end(`\r\n--${boundary}--\r\n`);
        }, reject);
      });
      const { status, body } = await answer;
      expect(status).toBe(200);
      const imageUrl =
        (JSON.parse(body) as { data?: { uploadProductImage?: { imageUrl: string | null } } }).data?.uploadProductImage
          ?.imageUrl ?? "";
      const served = await fetch(`${base}${imageUrl}`);
      expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);
    } finally {
      await throughRelay.close();
      await new Promise((resolve) => relay.close(resolve));
    }
  });

  it("holds the operations field to trusted documents: with enforce, an upload outside the manifest is refused", async () => {
    const enforcing = async (documents: string[]) => {
      const server = await buildGateway({
        ...services.gatewayOptions(),
        persistedQueries: {
          cache: createRedisKeyValueCache(services.redis, `test:apq:${randomUUID()}:`, createLogger("test", "silent")),
          mode: "enforce",
          manifest: manifestOf(documents),
        },
      });
      return { server, url: `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}/graphql` };
    };
    const outside = await enforcing([/* GraphQL */ "{ products(first: 1) { totalCount } }"]);
    const inside = await enforcing([UPLOAD]);
    try {
      const productId = await createProduct();
      const file = { bytes: png(8, 8), name: "x.png", type: "image/png" };
      const send = (url: string) =>
        uploadRequest(url, UPLOAD, { productId, image: null }, [{ path: "variables.image", file }], {
          ...admin,
          ...preflight,
        });
      const refused = await send(outside.url);
      expect(refused.status).toBe(400);
      expect(refused.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_REQUIRED");
      expect(await imageUrlOf(productId)).toBeNull();
      const trusted = await send(inside.url);
      expect(trusted.errors).toBeUndefined();
      expect(await imageUrlOf(productId)).toMatch(/^\/images\/products\//);
    } finally {
      await outside.server.close();
      await inside.server.close();
    }
  });
});
