import type { QueryPlan } from "@apollo/query-planner";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import { Counter, type Registry } from "prom-client";

/** @apollo/gateway's default with exposeDocumentNodeInFetchNode (its initQueryPlanStore). */
const MAX_BYTES = 50 * 2 ** 20;

/**
 * The gateway's query-plan cache: @apollo/gateway's own LRU store, with the counts an operator needs
 * to see that plans are built ahead (persistedDocuments/planPrewarm.ts) and not while clients wait.
 * `peek` and `prime` are the prewarm's (patches/@apollo+gateway): they do not count as lookups.
 */
export class QueryPlanCache {
  private readonly plans = new InMemoryLRUCache<QueryPlan>({
    maxSize: MAX_BYTES,
    // What @apollo/gateway sizes plans by.
    sizeCalculation: (plan) => Buffer.byteLength(JSON.stringify(plan), "utf8"),
  });
  private readonly lookups: Counter<"result">;
  private readonly built: Counter<"when">;

  constructor(registry: Registry) {
    this.lookups = new Counter({
      name: "gateway_query_plan_cache_lookups_total",
      help: "Query-plan cache lookups of operations being served, by result (hit, miss)",
      labelNames: ["result"],
      registers: [registry],
    });
    this.built = new Counter({
      name: "gateway_query_plans_built_total",
      help: "Query plans built: ahead (trusted documents, at start and after a reload) or on_request (a client waited)",
      labelNames: ["when"],
      registers: [registry],
    });
  }

  async get(key: string): Promise<QueryPlan | undefined> {
    const plan = await this.plans.get(key);
    this.lookups.inc({ result: plan ? "hit" : "miss" });
    return plan;
  }

  async set(key: string, plan: QueryPlan): Promise<void> {
    this.built.inc({ when: "on_request" });
    await this.plans.set(key, plan);
  }

  async delete(key: string): Promise<boolean> {
    return this.plans.delete(key);
  }

  clear(): void {
    this.plans.clear();
  }

  peek(key: string): Promise<QueryPlan | undefined> {
    return this.plans.get(key);
  }

  /** One plan, under each key its requests may look it up by (with and without the operation name). */
  async prime(keys: readonly string[], plan: QueryPlan): Promise<void> {
    this.built.inc({ when: "ahead" });
    for (const key of keys) await this.plans.set(key, plan);
  }
}
