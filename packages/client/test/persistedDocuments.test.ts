import { createHash } from "node:crypto";
import * as documents from "../src/generated/graphql";
import { persistedDocuments, persistedIdOf } from "../src";

describe("the persisted-documents manifest", () => {
  it("maps each sha256 id to the document that hashes to it", () => {
    const entries = Object.entries(persistedDocuments);
    expect(entries.length).toBeGreaterThanOrEqual(7);
    for (const [id, document] of entries)
      expect(id).toBe(`sha256:${createHash("sha256").update(document).digest("hex")}`);
  });

  it("holds every generated document, under the id the document carries", () => {
    const generated = Object.entries(documents).filter(([name]) => name.endsWith("Document"));
    expect(generated.map(([name]) => name).sort()).toEqual([
      "ChangePasswordDocument",
      "LoginDocument",
      "LogoutDocument",
      "MeDocument",
      "MyOrdersDocument",
      "OrderDocument",
      "OrderStatusChangedDocument",
      "PlaceOrderDocument",
      "ProductDocument",
      "ProductsDocument",
      "RegisterDocument",
    ]);
    for (const [, document] of generated) {
      const id = persistedIdOf(document as { __meta__?: Record<string, unknown> });
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(persistedDocuments[`sha256:${id}`]).toBeDefined();
    }
  });
});
