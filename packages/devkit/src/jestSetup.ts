// jest.base.js's setup file: every test process (and the services it spawns with its env) signs
// and verifies events with the test keys.
import { useTestEventKeys } from "./eventKeys";

useTestEventKeys();
