/**
 * Renders a Kustomize overlay the way `kustomize build --load-restrictor LoadRestrictionsNone`
 * does, for the subset infra/k8s uses. No kustomize or kubectl binary can be installed here
 * (only npm and Debian packages) and no npm package renders Kustomize, so this renderer
 * exists for the manifest tests; it refuses any kustomization field it does not implement
 * rather than ignore it. Supported: resources (files and directories), namespace, labels,
 * images, replicas, patches (strategic merge: maps merged, `null` deletes, lists of named
 * items merged by name, other lists replaced; by the patch's own kind/name or a target),
 * configMapGenerator (files, literals, behavior merge) with content-hash name suffixes and
 * the references to them rewritten.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
};
type Json = Record<string, unknown>;

interface ConfigMapGenerator {
  name: string;
  behavior?: "create" | "merge";
  files?: string[];
  literals?: string[];
}
interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  replicas?: Array<{ name: string; count: number }>;
  patches?: Array<{ path?: string; patch?: string; target?: { kind?: string; name?: string } }>;
  configMapGenerator?: ConfigMapGenerator[];
}

const SUPPORTED = new Set([
  "apiVersion",
  "kind",
  "resources",
  "namespace",
  "labels",
  "images",
  "replicas",
  "patches",
  "configMapGenerator",
]);
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "StorageClass",
]);

const isMap = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function parseYaml(text: string, source: string): Json[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0]?.message}`);
      return doc.toJS() as Json;
    })
    .filter((doc) => doc !== null);
}

/** Strategic merge for the shapes used in this repository. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isMap(base) && isMap(patch)) {
    const merged: Json = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = key in base ? strategicMerge(base[key], value) : value;
    }
    return merged;
  }
  if (
    Array.isArray(base) &&
    Array.isArray(patch) &&
    [...base, ...patch].every((item) => isMap(item) && typeof item.name === "string")
  ) {
    const merged = base.map((item) => {
      const update = patch.find((p) => (p as Json).name === (item as Json).name);
      return update ? strategicMerge(item, update) : item;
    });
    for (const item of patch) if (!base.some((b) => (b as Json).name === (item as Json).name)) merged.push(item);
    return merged;
  }
  return patch;
}

function loadKustomization(dir: string): Kustomization {
  const file = join(dir, "kustomization.yaml");
  const [doc] = parseYaml(readFileSync(file, "utf8"), file);
  const unsupported = Object.keys(doc ?? {}).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length) throw new Error(`${file}: this renderer does not implement ${unsupported.join(", ")}`);
  return (doc ?? {}) as Kustomization;
}

function generateConfigMap(dir: string, generator: ConfigMapGenerator): Json {
  const data: Record<string, string> = {};
  for (const entry of generator.files ?? []) {
    const [key, path] = entry.includes("=")
      ? (entry.split("=", 2) as [string, string])
      : [entry.split("/").pop() ?? entry, entry];
    data[key] = readFileSync(resolve(dir, path), "utf8");
  }
  for (const literal of generator.literals ?? []) {
    const at = literal.indexOf("=");
    data[literal.slice(0, at)] = literal.slice(at + 1);
  }
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: generator.name }, data };
}

function applyImages(resource: Json, images: NonNullable<Kustomization["images"]>): void {
  const spec = (resource.spec as Json | undefined)?.template as Json | undefined;
  const containers = ((spec?.spec as Json | undefined)?.containers ?? []) as Json[];
  for (const container of containers) {
    const [name] = String(container.image).split(":");
    const image = images.find((i) => i.name === name);
    if (image) container.image = `${image.newName ?? name}:${image.newTag ?? "latest"}`;
  }
}

function applyLabels(resource: Json, pairs: Record<string, string>, includeSelectors: boolean): void {
  const metadata = resource.metadata as Json;
  metadata.labels = { ...(metadata.labels as Json | undefined), ...pairs };
  if (!includeSelectors) return;
  const template = (resource.spec as Json | undefined)?.template as Json | undefined;
  if (template) (template.metadata as Json).labels = { ...((template.metadata as Json).labels as Json), ...pairs };
}

/** Names of generated ConfigMaps -> hashed names, in every place a pod spec refers to one. */
function rewriteConfigMapRefs(resource: Json, names: Map<string, string>): void {
  const podSpec = ((resource.spec as Json | undefined)?.template as Json | undefined)?.spec as Json | undefined;
  if (!podSpec) return;
  const rename = (holder: Json | undefined) => {
    if (holder && typeof holder.name === "string") holder.name = names.get(holder.name) ?? holder.name;
  };
  for (const volume of (podSpec.volumes ?? []) as Json[]) rename(volume.configMap as Json | undefined);
  for (const container of (podSpec.containers ?? []) as Json[]) {
    for (const source of (container.envFrom ?? []) as Json[]) rename(source.configMapRef as Json | undefined);
    for (const variable of (container.env ?? []) as Json[])
      rename((variable.valueFrom as Json | undefined)?.configMapKeyRef as Json | undefined);
  }
}

/** Resources of one kustomization directory before generated names are hashed. */
function build(dir: string): { resources: Json[]; generated: Set<Json> } {
  const k = loadKustomization(dir);
  const resources: Json[] = [];
  const generated = new Set<Json>();
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${dir}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      const inner = build(path);
      resources.push(...inner.resources);
      for (const g of inner.generated) generated.add(g);
    } else {
      resources.push(...parseYaml(readFileSync(path, "utf8"), path));
    }
  }
  for (const generator of k.configMapGenerator ?? []) {
    const made = generateConfigMap(dir, generator);
    const existing = resources.find((r) => r.kind === "ConfigMap" && (r.metadata as Json).name === generator.name);
    if (generator.behavior === "merge") {
      if (!existing) throw new Error(`${dir}: configMapGenerator ${generator.name} merges into nothing`);
      existing.data = { ...(existing.data as Json), ...(made.data as Json) };
    } else {
      if (existing)
        throw new Error(`${dir}: configMapGenerator ${generator.name} already exists (use behavior: merge)`);
      resources.push(made);
      generated.add(made);
    }
  }
  for (const entry of k.patches ?? []) {
    const text = entry.path ? readFileSync(resolve(dir, entry.path), "utf8") : (entry.patch ?? "");
    for (const patch of parseYaml(text, entry.path ?? `${dir} inline patch`)) {
      const targets = entry.target
        ? resources.filter(
            (r) =>
              (!entry.target?.kind || r.kind === entry.target.kind) &&
              (!entry.target?.name || (r.metadata as Json).name === entry.target.name),
          )
        : resources.filter((r) => r.kind === patch.kind && (r.metadata as Json).name === (patch.metadata as Json).name);
      if (targets.length === 0)
        throw new Error(`${dir}: a patch matches no resource (${JSON.stringify(entry.target ?? patch.metadata)})`);
      for (const target of targets) {
        const { metadata: _ignored, ...body } = patch;
        const merged = strategicMerge(target, body) as Json;
        for (const key of Object.keys(target)) delete target[key];
        Object.assign(target, merged);
      }
    }
  }
  for (const { name, count } of k.replicas ?? []) {
    const deployment = resources.find((r) => r.kind === "Deployment" && (r.metadata as Json).name === name);
    if (!deployment) throw new Error(`${dir}: replicas for unknown Deployment ${name}`);
    (deployment.spec as Json).replicas = count;
  }
  for (const resource of resources) {
    if (k.images) applyImages(resource, k.images);
    for (const { pairs, includeSelectors } of k.labels ?? []) applyLabels(resource, pairs, includeSelectors ?? false);
    if (k.namespace && !CLUSTER_SCOPED.has(String(resource.kind))) (resource.metadata as Json).namespace = k.namespace;
  }
  return { resources, generated };
}

/** The manifests `kustomize build` would print for the kustomization in `dir`. */
export function kustomizeBuild(dir: string): Manifest[] {
  const { resources, generated } = build(dir);
  const names = new Map<string, string>();
  for (const configMap of generated) {
    const metadata = configMap.metadata as Json;
    const hash = createHash("sha256").update(JSON.stringify(configMap.data)).digest("hex").slice(0, 10);
    names.set(String(metadata.name), `${String(metadata.name)}-${hash}`);
    metadata.name = `${String(metadata.name)}-${hash}`;
  }
  for (const resource of resources) rewriteConfigMapRefs(resource, names);
  return resources as Manifest[];
}

export const repoPath = (...parts: string[]) => join(dirname(dirname(__dirname)), ...parts);
