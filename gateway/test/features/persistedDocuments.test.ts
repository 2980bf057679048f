import { createHash } from "node:crypto";
import {
  createPersistedDocumentsFeature,
  createTrustedDocuments,
  manifestOf,
  type TrustedDocumentsMode,
} from "../../src/features/persistedDocuments";
import { createLogger } from "@fedplat/runtime";
import { serveFeatures } from "./httpHarness";

const KNOWN = /* GraphQL */ "query Products { products(first: 2) { totalCount } }";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const manifest = manifestOf([KNOWN]);
const byId = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

describe("persisted documents feature: one trusted-documents check for every transport", () => {
  it("in enforce mode admits only the manifest's documents, by id or identical text, and says which rule refused", () => {
    const trusted = createTrustedDocuments({ mode: "enforce", manifest });
    expect(trusted.admit({ query: KNOWN })).toEqual({ document: KNOWN });
    // By id alone (what a graphql-ws subscribe may send): the manifest's text is the document.
    expect(trusted.admit(byId(sha256(KNOWN)))).toEqual({ document: KNOWN });
    expect(trusted.admit({ query: /* GraphQL */ "{ me { id } }" }).rejection?.code).toBe("PERSISTED_QUERY_REQUIRED");
    expect(trusted.admit(byId(sha256(/* GraphQL */ "{ me { id } }"))).rejection?.code).toBe(
      "PERSISTED_QUERY_NOT_IN_LIST",
    );
    expect(trusted.admit({ query: /* GraphQL */ "{ me { id } }", ...byId(sha256(KNOWN)) }).rejection?.code).toBe(
      "PERSISTED_QUERY_HASH_MISMATCH",
    );
    expect(
      trusted.admit({ extensions: { persistedQuery: { version: 2, sha256Hash: sha256(KNOWN) } } }).rejection?.code,
    ).toBe("PERSISTED_QUERY_MALFORMED");
  });

  it.each<[TrustedDocumentsMode, string | undefined]>([
    ["off", undefined],
    ["allow", KNOWN],
  ])(
    "in %s mode admits any document; an id alone resolves to the manifest's text only when a manifest is in force",
    (mode, resolved) => {
      const trusted = createTrustedDocuments({ mode, manifest });
      expect(trusted.admit({ query: /* GraphQL */ "{ me { id } }" })).toEqual({
        document: /* GraphQL */ "{ me { id } }",
      });
      expect(trusted.admit(byId(sha256(KNOWN)))).toEqual({ document: resolved });
    },
  );

  it("refuses to start a mode that needs a manifest without one", () => {
    expect(() => createTrustedDocuments({ mode: "enforce" })).toThrow(/needs a persisted-documents manifest/);
  });

  it("applies the check to every operation of an HTTP request before Apollo parses it (400 with the rule's code)", async () => {
    const trusted = createTrustedDocuments({ mode: "enforce", manifest });
    const harness = await serveFeatures([
      createPersistedDocumentsFeature(undefined, trusted, createLogger("persisted-documents-test", "silent")),
    ]);
    expect((await harness.post({ query: KNOWN })).status).toBe(200);
    const refused = await harness.post({ query: /* GraphQL */ "{ me { id } }" });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_REQUIRED");
    const batch = await harness.post([{ query: KNOWN }, byId(sha256(/* GraphQL */ "{ me { id } }"))]);
    expect(batch.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_IN_LIST");
    await harness.close();
  });
});
