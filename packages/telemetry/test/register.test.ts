import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { activeTraceparent, propagatesTraceContext } from "../src";

const run = promisify(execFile);

// Each test starts a child process that compiles and loads the OpenTelemetry SDK: ~2 s alone, but
// a CI run once took over 30 s for one while every package's tasks started on two cores.
jest.setTimeout(120_000);
const register = join(__dirname, "..", "src", "register.ts");
/** Inside a span, prints the traceparent an event written there would carry. */
const SCRIPT = `
  const { trace } = require("@opentelemetry/api");
  const { activeTraceparent } = require("@fedplat/telemetry");
  trace.getTracer("test").startActiveSpan("work", (span) => { console.log(activeTraceparent()); span.end(); });
`;

/** A server and a fetch to it from inside a span, in one process: what each side sees of the trace. */
const ROUND_TRIP = `
  const http = require("node:http");
  const { trace } = require("@opentelemetry/api");
  const { activeTraceparent } = require("@fedplat/telemetry");
  const server = http.createServer((req, res) => res.end(JSON.stringify({ received: req.headers.traceparent, server: activeTraceparent() })));
  server.listen(0, "127.0.0.1", () => trace.getTracer("test").startActiveSpan("client", async (span) => {
    const seen = await (await fetch("http://127.0.0.1:" + server.address().port + "/")).json();
    console.log(JSON.stringify({ client: activeTraceparent(), ...seen }));
    span.end();
    server.close();
  }));
`;

async function runWithBootstrap(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--import", register, "-e", script], {
    env: { PATH: process.env.PATH, ...env },
    cwd: __dirname,
  });
  return stdout.trim().split("\n")[0] ?? "";
}
const traceparentIn = (env: NodeJS.ProcessEnv) => runWithBootstrap(SCRIPT, env);
const traceIdOf = (traceparent: string | undefined) => traceparent?.split("-")[1];

describe("the --import bootstrap", () => {
  it("gives every span real trace ids to propagate, but records nothing when no exporter is configured", async () => {
    expect(await traceparentIn({})).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it("carries the trace over HTTP (fetch injects it, the server continues it) with export off", async () => {
    const seen = JSON.parse(await runWithBootstrap(ROUND_TRIP, {})) as {
      client: string;
      received: string;
      server: string;
    };
    expect(seen.client).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(traceIdOf(seen.received)).toBe(traceIdOf(seen.client));
    expect(traceIdOf(seen.server)).toBe(traceIdOf(seen.client));
  });

  it("records (samples) spans once OTEL_TRACES_EXPORTER or an OTLP endpoint is set", async () => {
    expect(await traceparentIn({ OTEL_TRACES_EXPORTER: "console" })).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("leaves no trace context where the bootstrap did not run (in-process tests, scripts)", () => {
    expect(activeTraceparent()).toBeUndefined();
    expect(propagatesTraceContext()).toBe(false);
  });

  it("says the process carries trace context once the bootstrap ran, exporting or not (the workers keep BullMQ's spans then)", async () => {
    expect(await runWithBootstrap(`console.log(require("@fedplat/telemetry").propagatesTraceContext())`, {})).toBe(
      "true",
    );
  });
});
