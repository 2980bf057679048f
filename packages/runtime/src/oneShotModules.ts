/**
 * Modules a process reads once at start and never again, whose exports the require cache would keep
 * for its whole life: Prisma's query compiler as a base64 string (a 2.5 MiB module). Prisma's client
 * compiles it once per process and database provider and keeps the compiled WebAssembly module
 * (`loadQueryCompiler` in @prisma/client/runtime/client.js), so the string is garbage once that ran.
 */
const ONE_SHOT_MODULE = /[\\/]@prisma[\\/]client[\\/]runtime[\\/]query_compiler_bg\.\w+\.wasm-base64\.c?js$/;

type ModuleCache = Record<string, NodeJS.Module | undefined>;

/**
 * Drops the one-shot modules from the require cache (and from their parents' children), so the next
 * full collection frees them. A later require of one simply reads it from disk again.
 * Returns the files dropped.
 */
export function forgetOneShotModules(cache: ModuleCache = require.cache): string[] {
  const dropped = Object.keys(cache).filter((file) => ONE_SHOT_MODULE.test(file));
  if (dropped.length === 0) return dropped;
  const modules = new Set(dropped.map((file) => cache[file]));
  for (const file of dropped) delete cache[file];
  for (const parent of Object.values(cache)) {
    if (parent?.children.some((child) => modules.has(child))) {
      parent.children = parent.children.filter((child) => !modules.has(child));
    }
  }
  return dropped;
}
