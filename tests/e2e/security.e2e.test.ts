import { randomUUID } from "node:crypto";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(180_000);

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.stop());

const REGISTER =
  'mutation($e: String!) { register(input: { email: $e, password: "Guess3d-pass", name: "Someone" }) { email message } }';

async function timedRegister(email: string) {
  const started = performance.now();
  const response = await platform.query<{ register: { email: string; message: string } }>(REGISTER, { e: email });
  return { response, ms: performance.now() - started };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** The owner's notification templates, polled until `template` is among them (the event goes through the outbox, BullMQ and notifications). */
async function notificationsUntil(headers: Record<string, string>, template: string): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await platform.query<{ me: { notifications: Array<{ template: string }> } }>(
      /* GraphQL */ "{ me { notifications(first: 50) { template } } }",
      {},
      headers,
    );
    const templates = res.data?.me.notifications.map((notification) => notification.template) ?? [];
    if (templates.includes(template) || Date.now() > deadline) return templates;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("register through the whole platform", () => {
  it("answers a taken email and a new one alike (same body shape and message, same timing class) and emails the owner instead", async () => {
    const taken: number[] = [];
    const fresh: number[] = [];
    const answers: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const existing = await timedRegister("Customer@Example.com");
      const created = await timedRegister(`new-${randomUUID()}@example.com`);
      taken.push(existing.ms);
      fresh.push(created.ms);
      expect([existing.response.status, created.response.status]).toEqual([200, 200]);
      expect(existing.response.errors).toBeUndefined();
      expect(created.response.errors).toBeUndefined();
      answers.push(existing.response.data?.register.message, created.response.data?.register.message);
      expect(Object.keys(existing.response.data?.register ?? {})).toEqual(
        Object.keys(created.response.data?.register ?? {}),
      );
    }
    expect(new Set(answers).size).toBe(1);
    // Both paths hash the password (argon2id, most of the time) and write one event: medians
    // within 3x of each other (an answer that skipped the hash would be several times faster).
    const ratio = median(taken) / median(fresh);
    expect(ratio).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);

    const owner = await platform.login("customer@example.com");
    expect(await notificationsUntil(owner, "registration-attempted")).toContain("registration-attempted");
  });

  it("gives a new account a working login and a welcome, not a registration-attempted notice", async () => {
    const email = `welcome-${randomUUID()}@example.com`;
    await platform.query(REGISTER, { e: email });
    const headers = await platform.login(email, "Guess3d-pass");
    const templates = await notificationsUntil(headers, "welcome");
    expect(templates).toEqual(["welcome"]);
  });
});
