/**
 * `npm run event-contracts -w @fedplat/events`: writes event-contracts.json, the JSON Schema of every
 * event version in circulation. Committed, so a review shows each event change and the contract
 * tests compare the current schemas with main's (`--check` only compares).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseCommandLine } from "@fedplat/runtime";
import { eventContractSnapshot } from "../src";

const { values } = parseCommandLine({
  usage: `usage: npm run event-contracts -w @fedplat/events [-- --check]

Writes event-contracts.json, the JSON Schema of every event version in circulation.

options:
  --check      write nothing; exit 1 when the committed file is stale
  -h, --help   print this text`,
  options: { check: { type: "boolean" } },
});
const path = join(__dirname, "..", "event-contracts.json");
const text = `${JSON.stringify(eventContractSnapshot(), null, 2)}\n`;
let committed = "";
try {
  committed = readFileSync(path, "utf8");
} catch {
  // first run
}
if (values.check) {
  if (committed !== text) {
    console.error(
      "packages/events/event-contracts.json is stale: run `npm run event-contracts -w @fedplat/events` and commit it.",
    );
    process.exit(1);
  }
  console.log("event-contracts.json is up to date.");
} else if (committed === text) console.log("event-contracts.json is up to date.");
else {
  writeFileSync(path, text);
  console.log(`Wrote ${path}`);
}
