import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Writes to a repository that can be undone without git: the first write of a path keeps its
 * old content (or notes that it was new), and `rollback` puts every path back, deleting what was
 * created, folders included. Generators run in between are covered by `keep` on what they write.
 */
export class StagedWrite {
  private readonly originals = new Map<string, string | null>();
  private readonly createdDirs: string[] = [];

  constructor(private readonly root: string) {}

  /** Remembers a path's current content before something else (a generator) changes it. */
  keep(path: string): void {
    if (this.originals.has(path)) return;
    const file = join(this.root, path);
    // Through links: a linked file is restored where it lives.
    const present = existsSync(file) && statSync(file).isFile();
    this.originals.set(path, present ? readFileSync(file, "utf8") : null);
  }

  /** Remembers a folder that did not exist, to delete it (and what a generator put in it) on rollback. */
  keepAbsentDir(path: string): void {
    if (!existsSync(join(this.root, path))) this.createdDirs.push(path);
  }

  write(path: string, content: string): void {
    this.keep(path);
    const file = join(this.root, path);
    let dir = dirname(path);
    const missing: string[] = [];
    while (dir !== "." && !existsSync(join(this.root, dir))) {
      missing.unshift(dir);
      dir = dirname(dir);
    }
    if (missing[0]) this.createdDirs.push(missing[0]);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  /** Every kept path back as it was; created files and folders removed. */
  rollback(): void {
    for (const [path, content] of this.originals) {
      const file = join(this.root, path);
      if (content === null) rmSync(file, { force: true });
      else writeFileSync(file, content);
    }
    for (const dir of this.createdDirs.reverse()) rmSync(join(this.root, dir), { recursive: true, force: true });
  }
}
