// A suite that leaves a handle open (a socket still draining, a client reconnecting after a
// timing-dependent teardown) must not hang the run: one did, once in many runs, and held CI past
// its limit. Exit when the tests are done; that the gateway itself shuts down cleanly is asserted
// by test/shutdown.int.test.ts and the e2e suites, which run it as a real process.
module.exports = { ...require("../jest.base.js"), forceExit: true };
