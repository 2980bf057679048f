import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The root folder of an installed package. Walks up from its resolved entry point because React 18
 * and graphql-ws do not export their umd/ files (require.resolve("react/umd/...") is refused).
 */
function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  while (dir !== dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name)
      return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the package folder of ${name}`);
}

/**
 * The page's own scripts, from the package root rather than __dirname: the same folder whether this runs
 * from src/ or from the compiled dist/ (tsc copies no .js files into dist/).
 */
const PUBLIC = join(__dirname, "..", "..", "..", "src", "features", "explorer", "public");

/**
 * Every file the explorer page loads, by the name it is served under (/graphiql/assets/<name>).
 * The browser builds npm ships (UMD, no build step of ours), so the page needs no CDN; the list is
 * closed, so nothing else under node_modules can be fetched through it.
 */
export function explorerAssets(): Readonly<Record<string, string>> {
  return {
    "react.production.min.js": join(packageRoot("react"), "umd/react.production.min.js"),
    "react-dom.production.min.js": join(packageRoot("react-dom"), "umd/react-dom.production.min.js"),
    "graphiql.min.js": join(packageRoot("graphiql"), "graphiql.min.js"),
    "graphiql.min.css": join(packageRoot("graphiql"), "graphiql.min.css"),
    "graphql-ws.min.js": join(packageRoot("graphql-ws"), "umd/graphql-ws.min.js"),
    "explorer.js": join(PUBLIC, "explorer.js"),
    "sandbox-fallback.js": join(PUBLIC, "sandboxFallback.js"),
  };
}
