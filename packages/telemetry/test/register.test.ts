import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { activeTraceparent } from "../src";

const run = promisify(execFile);
const register = join(__dirname, "..", "src", "register.ts");
/** Inside a span, prints the traceparent an event written there would carry. */
const SCRIPT = `
  const { trace } = require("@opentelemetry/api");
  const { activeTraceparent } = require("@fedplat/telemetry");
  trace.getTracer("test").startActiveSpan("work", (span) => { console.log(activeTraceparent()); span.end(); });
`;

async function traceparentIn(env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--import", register, "-e", SCRIPT], { env: { PATH: process.env.PATH, ...env }, cwd: __dirname });
  return stdout.trim().split("\n")[0] ?? "";
}

describe("the --import bootstrap", () => {
  it("gives every span real trace ids to propagate, but records nothing when no exporter is configured", async () => {
    expect(await traceparentIn({})).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it("records (samples) spans once OTEL_TRACES_EXPORTER or an OTLP endpoint is set", async () => {
    expect(await traceparentIn({ OTEL_TRACES_EXPORTER: "console" })).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("leaves no trace context where the bootstrap did not run (in-process tests, scripts)", () => {
    expect(activeTraceparent()).toBeUndefined();
  });
});
