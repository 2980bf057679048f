import type { Viewer } from "./identity";

/**
 * What an answer depended on: "role" when it is a function of the viewer's class alone (kind,
 * roles, scopes, tenant, or being anonymous), so every viewer of that class gets the same answer;
 * "identity" when it may differ from one viewer of the class to another (anything that read the
 * viewer's id, or could not be shown not to). Anything unknown counts as "identity".
 */
export type ViewerDependence = "identity" | "role";

/** The response extension a subgraph answers with when the gateway asks (VIEWER_DEPENDENCE_HEADER). */
export const VIEWER_DEPENDENCE_EXTENSION = "viewerDependence";
/** Sent by the gateway (value "1") on the fetches whose viewer dependence it wants to know. */
export const VIEWER_DEPENDENCE_HEADER = "x-fedplat-viewer-dependence";

/** What a viewer of a class shares with every other viewer of it; reading anything else is an identity read. */
const CLASS_FIELDS: ReadonlySet<PropertyKey> = new Set(["kind", "roles", "scopes", "tenant"]);

/** The viewer a tracking proxy stands for (identity signing needs its id without counting a read). */
const untrackedOf = new WeakMap<object, Viewer>();

/** A viewer whose identity reads are counted, and whether any happened. */
export interface TrackedViewer {
  readonly viewer: Viewer | null;
  /** True once anything but the class fields was read (or written) through `viewer`. */
  identityRead(): boolean;
}

/**
 * Wraps `viewer` so that reading its id (or any field outside its class: kind, roles, scopes,
 * tenant; a field added to Viewer later counts as identity) is recorded. A proxy rather than a
 * getter on `id`, so copies (spread, JSON, Object.entries, property descriptors) and writes are
 * recorded too. Roles and scopes are frozen copies: they cannot be changed to launder a read.
 */
export function trackViewerReads(viewer: Viewer | null): TrackedViewer {
  if (!viewer) return { viewer: null, identityRead: () => false };
  let read = false;
  const target: Viewer = { ...viewer, roles: Object.freeze([...viewer.roles]) as string[] };
  target.scopes = Object.freeze([...viewer.scopes]) as string[];
  const identityField = (prop: PropertyKey) => Object.hasOwn(target, prop) && !CLASS_FIELDS.has(prop);
  const proxy = new Proxy(target, {
    get(object, prop, receiver) {
      if (identityField(prop)) read = true;
      return Reflect.get(object, prop, receiver);
    },
    getOwnPropertyDescriptor(object, prop) {
      if (identityField(prop)) read = true;
      return Reflect.getOwnPropertyDescriptor(object, prop);
    },
    set(object, prop, value, receiver) {
      read = true;
      return Reflect.set(object, prop, value, receiver);
    },
    defineProperty(object, prop, descriptor) {
      read = true;
      return Reflect.defineProperty(object, prop, descriptor);
    },
    deleteProperty(object, prop) {
      read = true;
      return Reflect.deleteProperty(object, prop);
    },
  });
  untrackedOf.set(proxy, viewer);
  return { viewer: proxy, identityRead: () => read };
}

/** The viewer behind a tracking proxy (or `viewer` itself): for signing its identity, never for deciding what it sees. */
export function untrackedViewer<T extends Viewer | null | undefined>(viewer: T): T {
  return ((viewer && untrackedOf.get(viewer)) ?? viewer) as T;
}

/**
 * A stable string for a viewer's class: every field a "role" answer may depend on, exactly as
 * subgraphs receive them (roles and scopes in their order, kind and tenant as given, absent or
 * not). Viewers with equal class keys get the same answer wherever the answer is "role".
 */
export function viewerClassKey(viewer: Viewer | null): string {
  const raw = untrackedViewer(viewer);
  if (!raw) return "anonymous";
  return JSON.stringify([
    Object.hasOwn(raw, "kind") ? (raw.kind ?? null) : "-",
    raw.roles,
    raw.scopes,
    Object.hasOwn(raw, "tenant") ? (raw.tenant ?? null) : "-",
  ]);
}

/** A subgraph response's extension value, read fail-closed: only exactly "role" is "role". */
export function viewerDependenceOf(extensions: Record<string, unknown> | undefined | null): ViewerDependence {
  return extensions?.[VIEWER_DEPENDENCE_EXTENSION] === "role" ? "role" : "identity";
}
