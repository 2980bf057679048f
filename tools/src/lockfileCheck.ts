/**
 * What `npm ci` on another machine would reject or silently miss in package-lock.json, found
 * without installing: `npm ci` compares each workspace's declared dependencies with the lockfile
 * ("not in sync"), and installs only the platform binaries the lockfile lists, so a lockfile
 * rewritten by `npm install` without other platforms' optional packages (npm/cli#4828) passes here
 * and breaks biome, swc or turbo on macOS and Windows.
 */

/** The parts of a lockfile v3 `packages` entry this check reads. */
export interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The fields of a package.json that `npm ci` compares with the lockfile. */
export type Manifest = Pick<
  LockedPackage,
  "dependencies" | "devDependencies" | "optionalDependencies" | "peerDependencies"
>;

const DECLARED = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"] as const;

/** The locked entry Node would load `name` from when required by the package at `from`. */
function resolveLocked(packages: Record<string, LockedPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === "") return undefined;
    const parent = base.lastIndexOf("/node_modules/");
    base = parent < 0 ? "" : base.slice(0, parent);
  }
}

/**
 * Problems, one sentence each; empty when the lockfile installs everywhere with `npm ci`.
 * @param manifests package.json of the root ("") and of each workspace, keyed by folder
 */
export function lockfileProblems(
  packages: Record<string, LockedPackage>,
  manifests: Record<string, Manifest>,
): string[] {
  const problems: string[] = [];
  for (const [folder, manifest] of Object.entries(manifests)) {
    const locked = packages[folder];
    const where = folder || "the root package.json";
    if (!locked) {
      problems.push(`${where} is not in package-lock.json`);
      continue;
    }
    for (const field of DECLARED) {
      const want = manifest[field] ?? {};
      const have = locked[field] ?? {};
      for (const name of new Set([...Object.keys(want), ...Object.keys(have)]))
        if (want[name] !== have[name])
          problems.push(
            `${where} ${field}.${name}: package.json says ${want[name] ?? "(absent)"}, package-lock.json ${have[name] ?? "(absent)"}`,
          );
    }
  }
  for (const [path, locked] of Object.entries(packages)) {
    if (!path.includes("node_modules/")) continue; // workspaces: checked above
    for (const name of Object.keys(locked.optionalDependencies ?? {}))
      if (!resolveLocked(packages, path, name))
        problems.push(`${path} lists optional ${name}, which package-lock.json does not hold`);
  }
  return problems;
}
