/**
 * Renders a kustomization with the real Kustomize: `kubectl kustomize <dir>` with its default
 * options (no --load-restrictor), exactly what `kubectl apply -k`, Argo CD and Flux run.
 * KUBECTL names the binary (default: kubectl on PATH; kubectl 1.32 embeds kustomize 5.5).
 */
import { execFileSync } from "node:child_process";
import { parseAllDocuments } from "yaml";

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

export const kubectl = process.env.KUBECTL ?? "kubectl";

/** The manifests `kubectl kustomize dir` prints; throws with kustomize's own message when it fails. */
export function kustomizeBuild(dir: string): Manifest[] {
  let output: string;
  try {
    output = execFileSync(kubectl, ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr?.trim() || String(error)}`);
  }
  return parseAllDocuments(output).map((doc) => {
    if (doc.errors.length) throw new Error(`kubectl kustomize ${dir}: ${doc.errors[0]?.message}`);
    return doc.toJS() as Manifest;
  });
}
