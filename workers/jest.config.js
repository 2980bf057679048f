// BullMQ's blocking connections can outlive a suite by a moment (and a failed outage test can
// leave a client reconnecting to its stopped Redis): exit when the tests are done instead of
// hanging the run. Leaks that matter are asserted by the tests themselves.
module.exports = { ...require("../jest.base.js"), forceExit: true };
