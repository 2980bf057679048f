import { testPng, uploadRequest } from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(180_000);

/** A product image uploaded through the real gateway process to the real catalog process (docs/uploads.md). */
const UPLOAD = /* GraphQL */ `
  mutation UploadProductImage($productId: ID!, $image: Upload!) {
    uploadProductImage(productId: $productId, image: $image) { id imageUrl }
  }
`;
const preflight = { "apollo-require-preflight": "true" };
let platform: Platform;
let admin: Record<string, string>;

beforeAll(async () => {
  platform = await startPlatform();
  admin = await platform.login("admin@example.com");
});
afterAll(() => platform?.stop());

const productId = () => buildSeedData().products[3]?.id ?? "";
const upload = (files: Buffer[], headers: Record<string, string>) =>
  uploadRequest<{ uploadProductImage: { id: string; imageUrl: string } }>(
    platform.gatewayUrl,
    UPLOAD,
    { productId: productId(), image: null },
    files.map((bytes) => ({ path: "variables.image", file: { bytes, name: "lamp.png", type: "image/png" } })),
    headers,
  );

describe("product images through the platform's processes", () => {
  it("stores an admin's PNG and serves the same bytes on Product.imageUrl, cacheable and revalidated by ETag", async () => {
    const image = testPng(300, 200);
    const uploaded = await upload([image], { ...admin, ...preflight });
    expect(uploaded.errors).toBeUndefined();
    const imageUrl = uploaded.data?.uploadProductImage.imageUrl ?? "";
    const read = await platform.query<{ product: { imageUrl: string } }>(
      /* GraphQL */ "query($id: ID!) { product(id: $id) { imageUrl } }",
      { id: productId() },
    );
    expect(read.data?.product.imageUrl).toBe(imageUrl);

    const served = await fetch(new URL(imageUrl, platform.gatewayUrl));
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);
    const etag = served.headers.get("etag") ?? "";
    const again = await fetch(new URL(imageUrl, platform.gatewayUrl), { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("refuses a customer (UNAUTHORIZED_FIELD_OR_TYPE at the gateway), a missing preflight header (400, CSRF), 6 files (413) and a non-image", async () => {
    const image = testPng(8, 8);
    const customer = await upload([image], { ...(await platform.login("customer@example.com")), ...preflight });
    expect(customer.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED_FIELD_OR_TYPE");

    const csrf = await upload([image], admin);
    expect(csrf.status).toBe(400);
    expect(csrf.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery \(CSRF\)/);

    const many = await upload(
      Array.from({ length: 6 }, () => image),
      { ...admin, ...preflight },
    );
    expect(many.status).toBe(413);
    expect(many.errors?.[0]?.extensions?.code).toBe("UPLOAD_TOO_MANY_FILES");

    const text = await upload([Buffer.from("not an image at all")], { ...admin, ...preflight });
    expect(text.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
