import { randomUUID } from "node:crypto";
import { type AccountsPrisma, createAccountsPrisma } from "@fedplat/accounts";
import { createTestDatabase, type TestDatabase } from "@fedplat/devkit";
import { accountsSessionState, createAdminSessionCheck, type SessionStateLookup } from "../src";

let database: TestDatabase;
let accounts: AccountsPrisma;

beforeAll(async () => {
  database = await createTestDatabase();
  accounts = createAccountsPrisma(database.url);
});
afterAll(async () => {
  await accounts?.$disconnect();
  await database?.drop();
});

const addAdmin = async () => {
  const id = randomUUID();
  await accounts.user.create({
    data: { id, role: "ADMIN", email: `${id}@example.com`, name: "Session check", passwordHash: "not-a-hash" },
  });
  return id;
};

/** accounts' real look-up, counting the reads it makes. */
function countingLookUp(): { lookUp: SessionStateLookup; reads: () => number } {
  const real = accountsSessionState(accounts);
  let reads = 0;
  return {
    lookUp: (userId) => {
      reads += 1;
      return real(userId);
    },
    reads: () => reads,
  };
}

describe("Bull Board's session check (accounts' data, cached per user)", () => {
  it("applies the gateway's rule: current role, refused when the token is older than the user's version, disabled or unknown", async () => {
    const check = createAdminSessionCheck(accountsSessionState(accounts), { cacheMs: 0 });
    const id = await addAdmin();
    expect(await check(id, 0)).toBe("ADMIN");
    await accounts.user.update({ where: { id }, data: { role: "STAFF" } });
    expect(await check(id, 0)).toBe("STAFF");
    await accounts.user.update({ where: { id }, data: { tokenVersion: 2 } });
    expect(await check(id, 1)).toBe("ended");
    expect(await check(id, 2)).toBe("STAFF");
    await accounts.user.update({ where: { id }, data: { disabledAt: new Date() } });
    expect(await check(id, 2)).toBe("ended");
    expect(await check(randomUUID(), 0)).toBe("ended");
  });

  it("reads a user's state at most once per cacheMs, one read for concurrent checks, and again once it is older", async () => {
    let nowMs = 1_000_000;
    const { lookUp, reads } = countingLookUp();
    const check = createAdminSessionCheck(lookUp, { cacheMs: 3_000, now: () => nowMs });
    const id = await addAdmin();
    expect(await Promise.all(Array.from({ length: 10 }, () => check(id, 0)))).toEqual(Array(10).fill("ADMIN"));
    expect(reads()).toBe(1);
    await accounts.user.update({ where: { id }, data: { tokenVersion: 1 } }); // logout
    nowMs += 2_999;
    expect(await check(id, 0)).toBe("ADMIN"); // still within the cache time
    expect(reads()).toBe(1);
    nowMs += 1;
    expect(await check(id, 0)).toBe("ended");
    expect(reads()).toBe(2);
  });

  it("keeps at most cacheSize users, dropping the oldest read", async () => {
    const { lookUp, reads } = countingLookUp();
    const check = createAdminSessionCheck(lookUp, { cacheSize: 2 });
    const [a, b, c] = [await addAdmin(), await addAdmin(), await addAdmin()];
    for (const id of [a, b, c]) await check(id, 0);
    expect(reads()).toBe(3);
    await check(c, 0);
    await check(b, 0);
    expect(reads()).toBe(3); // b and c are cached
    await check(a, 0);
    expect(reads()).toBe(4); // a was dropped
  });
});
