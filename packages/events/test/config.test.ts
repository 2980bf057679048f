import { loadConfig } from "@fedplat/runtime";
import { DEFAULT_LIVE_UPDATES_CHANNEL, liveUpdatesSection } from "../src";

describe("events configuration", () => {
  it("publishes live updates on LIVE_UPDATES_CHANNEL, else on the default channel every process shares", () => {
    const load = (env: NodeJS.ProcessEnv) => loadConfig({ live: liveUpdatesSection }, { env, file: false }).live;
    expect(load({})).toEqual({ channel: DEFAULT_LIVE_UPDATES_CHANNEL });
    expect(load({ LIVE_UPDATES_CHANNEL: "test-live" })).toEqual({ channel: "test-live" });
    expect(() => load({ LIVE_UPDATES_CHANNEL: "" })).toThrow(/ LIVE_UPDATES_CHANNEL: .*option liveUpdates\.channel/);
  });
});
