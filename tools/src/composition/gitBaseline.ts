import { execFileSync } from "node:child_process";
import { basename, dirname } from "node:path";

export type GitBaseline =
  /** `commit` is where HEAD forked from `ref`: `ref`'s last commit when HEAD contains it. */
  | { kind: "found"; ref: string; commit: string; behind: boolean; sdl: string }
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
  // A branch behind main must not see main's newer additions as its own removals: compare with
  // the commit it forked from (GitHub's three-dot diff). Up to date or on main, that is main's last commit.
  let base = commit;
  try {
    base = git(cwd, ["merge-base", "HEAD", commit]).trim() || commit;
  } catch {
    // unrelated histories or no HEAD yet: compare with the ref itself
  }
  try {
    // `ref:./name` is resolved relative to cwd, wherever the repository root is.
    return {
      kind: "found",
      ref,
      commit: base,
      behind: base !== commit,
      sdl: git(cwd, ["show", `${base}:./${basename(file)}`]),
    };
  } catch {
    return { kind: "skipped", ref, reason: `${basename(file)} does not exist on ${ref}` };
  }
}
