import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** What `login`/`register` leave for the next commands. */
export interface Session {
  accessToken: string;
  email: string;
}

export function readSession(path: string): Session | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Session;
  } catch {
    return undefined;
  }
}

/** Written readable by the owner only: it holds a bearer token. */
export function writeSession(path: string, session: Session): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(session), { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function clearSession(path: string): void {
  rmSync(path, { force: true });
}
