import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  changedVersionsProblems,
  EVENT_SCHEMAS,
  type EventContractSnapshot,
  eventContractSnapshot,
  type EventRegistry,
} from "../src";

const snapshotPath = join(__dirname, "..", "event-contracts.json");

/** event-contracts.json as committed on main, when git, the branch and the file are there (not on a tarball or before the first merge). */
function mainSnapshot(): EventContractSnapshot | undefined {
  try {
    return JSON.parse(
      execFileSync("git", ["show", "main:./event-contracts.json"], {
        cwd: join(__dirname, ".."),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }),
    ) as EventContractSnapshot;
  } catch {
    return undefined;
  }
}

describe("event-contracts.json (the published event versions)", () => {
  it("records the current schemas (run `npm run event-contracts -w @fedplat/events` when this fails)", () => {
    expect(readFileSync(snapshotPath, "utf8")).toBe(`${JSON.stringify(eventContractSnapshot(), null, 2)}\n`);
  });

  it("no published version changed incompatibly since main (a breaking change needs a new version)", () => {
    const committed = JSON.parse(readFileSync(snapshotPath, "utf8")) as EventContractSnapshot;
    const baselines = [committed, mainSnapshot()].filter(
      (snapshot): snapshot is EventContractSnapshot => snapshot !== undefined,
    );
    for (const baseline of baselines) expect(changedVersionsProblems(baseline)).toEqual([]);
  });
});

describe("changing a published version in place", () => {
  const v1 = EVENT_SCHEMAS["order.cancelled"].data;
  const before = eventContractSnapshot({
    versions: { "order.cancelled": { 1: v1 } },
    published: {},
    routes: {},
    reads: {},
  });
  const changedTo = (schema: z.ZodType): EventRegistry => ({
    versions: { "order.cancelled": { 1: schema } },
    published: { "order.cancelled": [1] },
    routes: {},
    reads: {},
  });

  it("may add an optional field", () => {
    expect(
      changedVersionsProblems(before, changedTo(v1.extend({ refundCents: z.number().int().min(0).optional() }))),
    ).toEqual([]);
  });

  it("may not add a required field: events written before the deploy lack it", () => {
    expect(changedVersionsProblems(before, changedTo(v1.extend({ refundCents: z.number().int().min(0) })))).toEqual([
      "order.cancelled v1 changed in a way that rejects events already written: data.refundCents the consumer requires it, the producer does not write it. Make the new field optional, or publish a new version (docs/schema-evolution.md)",
    ]);
  });

  it("may not remove or retype a field consumers read", () => {
    const [problem] = changedVersionsProblems(before, changedTo(v1.omit({ reason: true })));
    expect(problem).toMatch(
      /^order.cancelled v1 changed in a way its consumers cannot read: data.reason the consumer requires it, the producer does not write it. Publish it as a new version/,
    );
    expect(changedVersionsProblems(before, changedTo(v1.extend({ reason: z.number() })))).toEqual(
      expect.arrayContaining([
        expect.stringContaining('data.reason the producer writes "number" where the consumer reads "string"'),
      ]),
    );
  });
});
