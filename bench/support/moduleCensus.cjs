// Preloaded into every process by bench/memory.ts (NODE_OPTIONS="--require ..."): on SIGUSR2 it writes
// what the process has loaded to $MEMORY_CENSUS_DIR/<pid>.json: CommonJS modules per package (ESM-only
// packages such as jose are not in require.cache), heap and RSS. Read-only: it changes nothing it measures.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { getHeapSpaceStatistics } = require("node:v8");

function packageOf(file) {
  const at = file.lastIndexOf("/node_modules/");
  if (at === -1) {
    const match = /\/(gateway|workers|subgraphs\/[^/]+|packages\/[^/]+)\/(src|dist)\//.exec(file);
    return match ? `(workspace) ${match[1]}` : "(other)";
  }
  const rest = file.slice(at + "/node_modules/".length).split("/");
  return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
}

process.on("SIGUSR2", () => {
  const files = Object.keys(require.cache);
  const perPackage = {};
  for (const file of files) perPackage[packageOf(file)] = (perPackage[packageOf(file)] ?? 0) + 1;
  const memory = process.memoryUsage();
  writeFileSync(
    join(process.env.MEMORY_CENSUS_DIR, `${process.pid}.json`),
    JSON.stringify({
      modules: files.length,
      perPackage,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      rss: memory.rss,
      // Committed size of each V8 heap space (new_space, old_space, code_space...): where heapTotal goes.
      spaces: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size])),
    }),
  );
});
