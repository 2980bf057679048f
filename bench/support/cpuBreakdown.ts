/**
 * Where a process's CPU went, from a V8 CPU profile (`node --cpu-prof`): the self time of the samples
 * taken inside a time window (the load, not the start), attributed to a part of the gateway's work by
 * the module path and function name of the frames on each sample's stack.
 *
 * Walking from the sampled frame towards the root, the first frame of an *owner* (a part of the
 * gateway or of Apollo's executor with a job of its own: a feature, the planner, the fetch
 * transport, result shaping, logging; from src/ or a build's dist/) takes the sample; library frames below it (graphql-js's
 * visitor under demand control, federation-internals under result shaping) count for that owner.
 * Without an owner the first *library* frame decides (graphql-js parsing under Apollo Server's
 * pipeline: parse/validate; express: HTTP server). OpenTelemetry's wrappers sit near the root of
 * every stack, so they take only the time spent in themselves. Built-ins (JSON.parse, JSON.stringify)
 * have no frame: their time is their caller's.
 */
import { readFileSync } from "node:fs";

export const CPU_CATEGORIES = [
  "parse/validate",
  "planning",
  "fetch",
  "merge/shape",
  "serialise",
  "plugins",
  "telemetry",
  "HTTP server (node, express)",
  "Apollo Server pipeline",
  "garbage collection",
  "other",
] as const;
export type CpuCategory = (typeof CPU_CATEGORIES)[number];

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

type Rule = readonly [RegExp, CpuCategory];

/** Parts with a job of their own: the first on the stack (from the leaf) takes the sample. */
const OWNERS: readonly Rule[] = [
  [
    /\/gateway\/(?:src|dist)\/features\/telemetry\/|\/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|prom-client)\/|\/packages\/runtime\/(?:src|dist)\/(metrics|operationMetrics|logger)\.[jt]s/,
    "telemetry",
  ],
  [/\/gateway\/(?:src|dist)\/transport\/|\/node_modules\/undici\/|\/@apollo\/gateway\/dist\/datasources\//, "fetch"],
  [/\/@apollo\/gateway\/dist\/(executeQueryPlan|resultShaping|dataRewrites|incrementalDelivery)\.js/, "merge/shape"],
  [/\/@apollo\/(query-planner|query-graphs)\/|\/@apollo\/gateway\/dist\/(index|operationContext)\.js/, "planning"],
  [
    /\/gateway\/(?:src|dist)\/features\/|\/@apollo\/server\/dist\/cjs\/plugin\/|\/node_modules\/(@escape\.tech\/graphql-armor[^/]*|rate-limiter-flexible|opossum|jose|ioredis)\//,
    "plugins",
  ],
];
/** Serialising the response: Apollo Server's JSON.stringify wrapper (the built-in's time is its caller's). */
const SERIALISE = /^prettyJSONStringify$/;
/** Libraries and layers that decide only when no owner is above them. */
const LIBRARIES: readonly Rule[] = [
  [/\/node_modules\/graphql\/(language|validation|utilities|jsutils)\//, "parse/validate"],
  [/\/@apollo\/federation-internals\//, "planning"],
  [
    /\/@apollo\/server\/dist\/cjs\/(requestPipeline|ApolloServer|runHttpQuery|utils|errorNormalize|incrementalDeliveryPolyfill)/,
    "Apollo Server pipeline",
  ],
  [
    /^node:(_http_|net|stream|internal\/streams|internal\/http|zlib)|\/node_modules\/(express|router|body-parser|raw-body|iconv-lite|@as-integrations\/express5|on-finished|finalhandler|send|content-type|type-is|mime-types|negotiator|cors|vary|statuses|depd|qs)\/|\/gateway\/(?:src|dist)\/(server|requestState|sendGraphQLError)\.[jt]s/,
    "HTTP server (node, express)",
  ],
];
/** Wrappers around everything (instrumentation, context propagation): only their own time. */
const SELF_ONLY = /\/node_modules\/@opentelemetry\//;

function categoryOf(stack: readonly CallFrame[]): CpuCategory {
  const leaf = stack[0];
  if (leaf?.functionName === "(garbage collector)") return "garbage collection";
  let library: CpuCategory | undefined;
  let neutralSoFar = true;
  for (const frame of stack) {
    if (SERIALISE.test(frame.functionName)) return "serialise";
    const owner = OWNERS.find(([pattern]) => pattern.test(frame.url))?.[1];
    if (owner) return owner;
    if (SELF_ONLY.test(frame.url)) {
      if (neutralSoFar) return "telemetry";
      continue;
    }
    const found = LIBRARIES.find(([pattern]) => pattern.test(frame.url))?.[1];
    if (found) {
      library ??= found;
      neutralSoFar = false;
    }
  }
  return library ?? "other";
}

export interface CpuBreakdown {
  /** CPU ms per category inside the window (idle excluded). */
  byCategory: Record<CpuCategory, number>;
  /** CPU ms inside the window, every category. */
  totalMs: number;
  /** The functions with the most self time ("name (module)"), by the part they were attributed to. */
  topFunctions: Array<{ name: string; ms: number; category: CpuCategory }>;
}

const shortUrl = (url: string) => {
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) return url.slice(modules + "/node_modules/".length);
  const repo = /\/(gateway|packages|bench)\/.*$/.exec(url);
  return repo ? repo[0].slice(1) : url || "(native)";
};

/**
 * Self time of the samples taken between `fromUs` and `toUs` (the same monotonic clock as
 * process.hrtime, in µs), by category.
 */
export function cpuBreakdown(profilePath: string, fromUs: number, toUs: number): CpuBreakdown {
  const profile = JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stackOf = (id: number): CallFrame[] => {
    const stack: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const node = byId.get(at);
      if (node) stack.push(node.callFrame);
    }
    return stack;
  };
  const byCategory = Object.fromEntries(CPU_CATEGORIES.map((category) => [category, 0])) as Record<CpuCategory, number>;
  const selfByNode = new Map<number, number>();
  let at = profile.startTime;
  let inWindow = 0;
  for (const [i, id] of profile.samples.entries()) {
    // Each delta is the time since the previous sample: the time this sample stands for.
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromUs || at > toUs) continue;
    inWindow++;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
  }
  if (inWindow === 0)
    throw new Error(
      `no profile sample between ${fromUs} and ${toUs} µs (profile: ${profile.startTime}-${profile.endTime}): clocks differ?`,
    );
  const byFunction = new Map<string, { name: string; ms: number; category: CpuCategory }>();
  let totalMs = 0;
  for (const [id, us] of selfByNode) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === "(idle)") continue;
    const category = categoryOf(stackOf(id));
    const ms = us / 1000;
    byCategory[category] += ms;
    totalMs += ms;
    const name = `${frame.functionName || "(anonymous)"} (${shortUrl(frame.url)})`;
    const key = `${name}\u0000${category}`;
    const entry = byFunction.get(key) ?? { name, ms: 0, category };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  const topFunctions = [...byFunction.values()].sort((a, b) => b.ms - a.ms).slice(0, 15);
  return { byCategory, totalMs, topFunctions };
}
