import { hasRole, hasScope, trackViewerReads, untrackedViewer, type Viewer, viewerClassKey, viewerKey } from "../src";

const staff: Viewer = { id: "u-1", roles: ["STAFF"], scopes: ["orders:read"], kind: "user" };

describe("a tracked viewer records reads of who it is, not of its class", () => {
  it("counts kind, roles, scopes and tenant as class reads", () => {
    const tracked = trackViewerReads({ ...staff, tenant: "t-1" });
    const { viewer } = tracked;
    expect(hasRole(viewer, "STAFF") && hasScope(viewer, "orders:read")).toBe(true);
    expect([viewer?.kind, viewer?.tenant, viewer?.roles.length, "id" in (viewer ?? {})]).toEqual([
      "user",
      "t-1",
      1,
      true,
    ]);
    expect(tracked.identityRead()).toBe(false);
  });

  it.each<[string, (viewer: Viewer) => unknown]>([
    ["reading id", (viewer) => viewer.id],
    ["destructuring id", ({ id }) => id],
    ["spreading it", (viewer) => ({ ...viewer })],
    ["serialising it", (viewer) => JSON.stringify(viewer)],
    ["listing its entries", (viewer) => Object.entries(viewer)],
    ["taking id's property descriptor", (viewer) => Object.getOwnPropertyDescriptor(viewer, "id")],
    ["keying a cache on it", (viewer) => viewerKey(viewer)],
    ["writing to it", (viewer) => Object.assign(viewer, { roles: ["ADMIN"] })],
  ])("counts %s as an identity read", (_what, use) => {
    const tracked = trackViewerReads(staff);
    if (!tracked.viewer) throw new Error("tracked a viewer");
    use(tracked.viewer);
    expect(tracked.identityRead()).toBe(true);
  });

  it("counts a field Viewer may gain later as an identity read (fail closed)", () => {
    const tracked = trackViewerReads({ ...staff, tokenVersion: 3 });
    expect(tracked.viewer?.tokenVersion).toBe(3);
    expect(tracked.identityRead()).toBe(true);
  });

  it("keeps its roles and scopes from being changed", () => {
    const { viewer } = trackViewerReads(staff);
    expect(() => viewer?.roles.push("ADMIN")).toThrow(TypeError);
    expect(staff.roles).toEqual(["STAFF"]);
  });

  it("hands the viewer behind it to identity signing, and an anonymous viewer needs no tracking", () => {
    const tracked = trackViewerReads(staff);
    expect(untrackedViewer(tracked.viewer)).toBe(staff);
    expect(untrackedViewer(staff)).toBe(staff);
    expect(trackViewerReads(null).viewer).toBeNull();
  });
});

describe("a viewer's class", () => {
  it("is everything but its id: viewers of one class differ only by who they are", () => {
    expect(viewerClassKey(staff)).toBe(viewerClassKey({ ...staff, id: "u-2" }));
    expect(viewerClassKey(trackViewerReads(staff).viewer)).toBe(viewerClassKey(staff));
    for (const other of [
      { ...staff, roles: ["ADMIN"] },
      { ...staff, roles: ["STAFF", "ADMIN"] },
      { ...staff, scopes: [] },
      { ...staff, kind: "apiKey" as const },
      { ...staff, tenant: "t-1" },
    ])
      expect(viewerClassKey(other)).not.toBe(viewerClassKey(staff));
    // Order is kept: code may read roles[0].
    expect(viewerClassKey({ ...staff, roles: ["A", "B"] })).not.toBe(viewerClassKey({ ...staff, roles: ["B", "A"] }));
    expect(viewerClassKey(null)).toBe("anonymous");
  });
});
