import { execFileSync } from "node:child_process";
import { basename, dirname } from "node:path";

export type GitBaseline =
  | { kind: "found"; ref: string; commit: string; sdl: string }
  | { kind: "skipped"; ref: string; reason: string };

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * `file` as committed on `ref` (e.g. main's supergraph.graphql). Skipped, with the reason, when
 * git is not installed, the folder is not a repository (a tarball), `ref` does not exist (a clone
 * with only one branch) or the file is not on it yet.
 */
export function readAtGitRef(file: string, ref: string): GitBaseline {
  const cwd = dirname(file);
  let commit: string;
  try {
    git(cwd, ["rev-parse", "--is-inside-work-tree"]);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return { kind: "skipped", ref, reason: missing ? "git is not installed" : "not a git repository" };
  }
  try {
    commit = git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).trim();
  } catch {
    return { kind: "skipped", ref, reason: `no branch or commit named ${ref}` };
  }
  try {
    // `ref:./name` is resolved relative to cwd, wherever the repository root is.
    return { kind: "found", ref, commit, sdl: git(cwd, ["show", `${commit}:./${basename(file)}`]) };
  } catch {
    return { kind: "skipped", ref, reason: `${basename(file)} does not exist on ${ref}` };
  }
}
