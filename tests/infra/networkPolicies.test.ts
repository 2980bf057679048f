/**
 * The NetworkPolicies of infra/k8s, evaluated the way Kubernetes does over the rendered overlays:
 * a connection passes when an egress rule of a policy selecting the sender and an ingress rule of
 * a policy selecting the receiver both allow it (a pod no policy of that direction selects is
 * unrestricted; pods outside the namespace are not ours to restrict). Named ports resolve
 * against the receiving pod's container ports.
 */
import { join } from "node:path";
import { repoRoot, SUBGRAPHS as SUBGRAPH_SPECS } from "@fedplat/devkit";
import { kustomizeBuild, type Manifest } from "./kustomize";

type Labels = Record<string, string>;
type Selector = {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
};
type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: unknown };
type Rule = { to?: Peer[]; from?: Peer[]; ports?: Array<{ protocol?: string; port?: number | string }> };
type Policy = Manifest & {
  spec: { podSelector: Selector; policyTypes: Array<"Ingress" | "Egress">; ingress?: Rule[]; egress?: Rule[] };
};
/** A pod (or an address outside the cluster: no labels, no namespace). */
interface Endpoint {
  name: string;
  namespace?: string;
  namespaceLabels?: Labels;
  labels?: Labels;
  ports?: Record<string, number>;
}

const matches = (selector: Selector, labels: Labels = {}) =>
  Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
  (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === "In") return values.includes(labels[key] ?? "");
    if (operator === "NotIn") return !values.includes(labels[key] ?? "");
    return operator === "Exists" ? key in labels : !(key in labels);
  });

function evaluator(manifests: Manifest[], namespace: string) {
  const policies = manifests.filter((m): m is Policy => m.kind === "NetworkPolicy");
  const selecting = (pod: Endpoint, type: "Ingress" | "Egress") =>
    pod.namespace === namespace
      ? policies.filter((p) => p.spec.policyTypes.includes(type) && matches(p.spec.podSelector, pod.labels))
      : [];
  const peerMatches = (peer: Peer, other: Endpoint, ruleNamespace: string) => {
    if (peer.ipBlock) return false; // no policy here uses addresses
    if (!other.namespace) return false; // an address outside the cluster matches no selector
    const namespaceOk = peer.namespaceSelector
      ? matches(peer.namespaceSelector, other.namespaceLabels)
      : other.namespace === ruleNamespace;
    return namespaceOk && (!peer.podSelector || matches(peer.podSelector, other.labels));
  };
  const portMatches = (rule: Rule, receiver: Endpoint, port: number) =>
    !rule.ports ||
    rule.ports.some(
      (p) =>
        (p.protocol ?? "TCP") === "TCP" &&
        (p.port === undefined || p.port === port || (typeof p.port === "string" && receiver.ports?.[p.port] === port)),
    );
  const allows = (pod: Endpoint, type: "Ingress" | "Egress", other: Endpoint, receiver: Endpoint, port: number) => {
    const applied = selecting(pod, type);
    if (applied.length === 0) return true;
    return applied.some((policy) =>
      ((type === "Ingress" ? policy.spec.ingress : policy.spec.egress) ?? []).some((rule) => {
        const peers = type === "Ingress" ? rule.from : rule.to;
        return (
          (!peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, other, namespace))) &&
          portMatches(rule, receiver, port)
        );
      }),
    );
  };
  return (from: Endpoint, to: Endpoint, portName: string | number) => {
    const port = typeof portName === "number" ? portName : to.ports?.[portName];
    if (port === undefined) throw new Error(`${to.name} has no port ${portName}`);
    return allows(from, "Egress", to, to, port) && allows(to, "Ingress", from, to, port);
  };
}

/** The namespace's pods, with their labels and named container ports, from the rendered workloads. */
function podsOf(manifests: Manifest[], namespace: string): Record<string, Endpoint> {
  type Workload = Manifest & {
    spec: {
      template: {
        metadata: { labels: Labels };
        spec: { containers: Array<{ ports?: Array<{ name: string; containerPort: number }> }> };
      };
    };
  };
  const workloads = manifests.filter(
    (m): m is Workload => m.kind === "Deployment" || m.kind === "StatefulSet" || m.kind === "Job",
  );
  return Object.fromEntries(
    workloads.map((w) => [
      w.metadata.name,
      {
        name: w.metadata.name,
        namespace,
        namespaceLabels: { "kubernetes.io/metadata.name": namespace },
        labels: w.spec.template.metadata.labels,
        ports: Object.fromEntries(
          w.spec.template.spec.containers.flatMap((c) => c.ports ?? []).map((p) => [p.name, p.containerPort]),
        ),
      },
    ]),
  );
}

/** Subgraphs with a pod of their own (services.json; operations runs in the workers' pod). */
const SUBGRAPHS = SUBGRAPH_SPECS.map((spec) => spec.name);
const PROCESSES = ["gateway", ...SUBGRAPHS, "workers"];

describe.each([
  ["dev", "fedplat-dev"],
  ["prod", "fedplat"],
] as const)("network policies of the %s overlay", (overlay, namespace) => {
  const manifests = kustomizeBuild(join(repoRoot, "infra/k8s/overlays", overlay));
  const pods = podsOf(manifests, namespace);
  const may = evaluator(manifests, namespace);
  const pod = (name: string) => {
    const found = pods[name];
    if (!found) throw new Error(`no pod ${name}`);
    return found;
  };
  const ingressController: Endpoint = {
    name: "ingress",
    namespace: "ingress-nginx",
    namespaceLabels: { "kubernetes.io/metadata.name": "ingress-nginx" },
    labels: { "app.kubernetes.io/name": "ingress-nginx" },
  };
  const prometheus: Endpoint = {
    name: "prometheus",
    namespace: "monitoring",
    namespaceLabels: { "kubernetes.io/metadata.name": "monitoring" },
    labels: { "app.kubernetes.io/name": "prometheus" },
  };
  const intruder: Endpoint = {
    name: "intruder",
    namespace: "other",
    namespaceLabels: { "kubernetes.io/metadata.name": "other" },
    labels: { "app.kubernetes.io/name": "debug" },
  };
  const postgres: Endpoint = { name: "postgres", ports: { postgres: 5432 } };
  const strangerInNamespace: Endpoint = {
    name: "stranger",
    namespace,
    namespaceLabels: { "kubernetes.io/metadata.name": namespace },
    labels: { "app.kubernetes.io/name": "debug" },
    ports: {},
  };

  it("denies everything by default: every pod of the namespace is selected for ingress and egress", () => {
    const denyAll = manifests.find((m) => m.kind === "NetworkPolicy" && m.metadata.name === "default-deny") as
      | Policy
      | undefined;
    expect(denyAll?.spec).toMatchObject({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(denyAll?.spec.ingress).toBeUndefined();
    expect(Object.keys(pods).sort()).toEqual([...PROCESSES, "migrate", "redis"].sort());
  });

  it("lets the ingress controller reach the gateway, and nothing else from outside the namespace", () => {
    expect(may(ingressController, pod("gateway"), "http")).toBe(true);
    for (const name of [...SUBGRAPHS, "workers"])
      expect([name, may(ingressController, pod(name), "http")]).toEqual([name, false]);
    expect(may(ingressController, pod("redis"), "redis")).toBe(false);
    expect(may(intruder, pod("gateway"), "http")).toBe(false);
    expect(may(intruder, pod("redis"), "redis")).toBe(false);
  });

  it("lets the gateway reach every subgraph and the workers' operations subgraph, orders reach catalog, and the workers the gateway (Bull Board's sign-in); no other calls between services", () => {
    for (const name of [...SUBGRAPHS, "workers"])
      expect([name, may(pod("gateway"), pod(name), "http")]).toEqual([name, true]);
    expect(may(pod("orders"), pod("catalog"), "http")).toBe(true);
    expect(may(pod("workers"), pod("gateway"), "http")).toBe(true);
    expect(may(pod("workers"), pod("gateway"), "admin")).toBe(false);
    const allowed = (from: string, to: string) =>
      (from === "orders" && to === "catalog") || (from === "workers" && to === "gateway");
    for (const from of [...SUBGRAPHS, "workers"])
      for (const to of [...SUBGRAPHS, "workers", "gateway"])
        if (from !== to && !allowed(from, to))
          expect([from, to, may(pod(from), pod(to), "http")]).toEqual([from, to, false]);
    expect(may(pod("gateway"), pod("workers"), "admin")).toBe(false);
    expect(may(strangerInNamespace, pod("workers"), "http")).toBe(false);
  });

  it("lets only the gateway, orders and the workers reach Redis, and Redis reach nothing", () => {
    for (const name of ["gateway", "orders", "workers"])
      expect([name, may(pod(name), pod("redis"), "redis")]).toEqual([name, true]);
    for (const name of SUBGRAPHS.filter((name) => name !== "orders"))
      expect([name, may(pod(name), pod("redis"), "redis")]).toEqual([name, false]);
    expect(may(strangerInNamespace, pod("redis"), "redis")).toBe(false);
    expect(may(pod("redis"), postgres, "postgres")).toBe(false);
    expect(may(pod("redis"), pod("gateway"), "http")).toBe(false);
  });

  it("lets the subgraphs, the workers and the migration Job reach PostgreSQL, not the gateway, and nothing reach other outside ports", () => {
    for (const name of [...SUBGRAPHS, "workers", "migrate"])
      expect([name, may(pod(name), postgres, "postgres")]).toEqual([name, true]);
    expect(may(pod("gateway"), postgres, "postgres")).toBe(false);
    for (const name of ["gateway", ...SUBGRAPHS, "workers"])
      expect([name, may(pod("migrate"), pod(name), "http")]).toEqual([name, false]);
    expect(may(pod("migrate"), pod("redis"), "redis")).toBe(false);
    for (const name of [...PROCESSES, "migrate"])
      expect([name, may(pod(name), { name: "internet", ports: { https: 443 } }, "https")]).toEqual([name, false]);
  });

  it("lets Prometheus scrape every process's admin port (9464) and nothing else", () => {
    for (const name of PROCESSES) {
      expect(pod(name).ports?.admin).toBe(9464);
      expect([name, may(prometheus, pod(name), "admin"), may(prometheus, pod(name), "http")]).toEqual([
        name,
        true,
        false,
      ]);
      expect([name, may(intruder, pod(name), "admin")]).toEqual([name, false]);
    }
  });
});
