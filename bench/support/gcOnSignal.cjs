// Preloaded into the gateway by bench/subscriptions.ts (NODE_OPTIONS="--expose-gc --require ..."):
// SIGUSR2 runs a full garbage collection, so the heap it then reports is what connections retain.
process.on("SIGUSR2", () => {
  if (typeof global.gc === "function") global.gc();
});
