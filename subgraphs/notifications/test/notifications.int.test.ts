import { startTestSubgraph, type TestSubgraph, type TestViewer } from "@fedplat/devkit";
import { buildNotificationsServer, createNotificationsPrisma, type NotificationsPrisma } from "../src";

let subgraph: TestSubgraph<NotificationsPrisma>;
let customer: TestViewer;
let staff: TestViewer;

beforeAll(async () => {
  subgraph = await startTestSubgraph({ createPrisma: createNotificationsPrisma, build: buildNotificationsServer });
  customer = await subgraph.viewer("customer");
  staff = await subgraph.viewer("staff");
});
afterAll(() => subgraph?.stop());

const USER_NOTIFICATIONS = /* GraphQL */ `
  query($r: [_Any!]!, $first: Int) { _entities(representations: $r) { ... on User { id notifications(first: $first) { id channel template status createdAt } } } }
`;
type UserNotifications = {
  _entities: Array<{
    id: string;
    notifications: Array<{ id: string; channel: string; template: string; status: string; createdAt: string }>;
  }>;
};

async function userIds(count: number): Promise<string[]> {
  const rows = await subgraph.prisma.notification.findMany({
    distinct: ["userId"],
    select: { userId: true },
    take: count,
    orderBy: { userId: "asc" },
  });
  return rows.map((row) => row.userId);
}

describe("User.notifications", () => {
  it("returns each user's newest notifications, at most `first`", async () => {
    const res = await subgraph.request<UserNotifications>(
      USER_NOTIFICATIONS,
      { r: [{ __typename: "User", id: customer.id }], first: 3 },
      customer.headers,
    );
    const list = res.data?._entities[0]?.notifications ?? [];
    expect(list).toHaveLength(3);
    const times = list.map((n) => Date.parse(n.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(list.every((n) => ["EMAIL", "SMS", "PUSH"].includes(n.channel) && n.status === "SENT")).toBe(true);
  });

  it("costs the same two statements for 2 users or 45", async () => {
    const counts: number[] = [];
    for (const size of [2, 45]) {
      const ids = await userIds(size);
      const before = subgraph.statements();
      const res = await subgraph.request<UserNotifications>(
        USER_NOTIFICATIONS,
        { r: ids.map((id) => ({ __typename: "User", id })), first: 5 },
        staff.headers,
      );
      expect(res.data?._entities).toHaveLength(size);
      expect(res.data?._entities.every((user) => user.notifications.length >= 1)).toBe(true);
      counts.push(subgraph.statements() - before);
    }
    expect(counts).toEqual([2, 2]);
  });

  it("forbids reading another user's notifications", async () => {
    const [other] = (await userIds(5)).filter((id) => id !== customer.id);
    const res = await subgraph.request(
      USER_NOTIFICATIONS,
      { r: [{ __typename: "User", id: other }] },
      customer.headers,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("rejects a page size over the maximum", async () => {
    const res = await subgraph.request(
      USER_NOTIFICATIONS,
      { r: [{ __typename: "User", id: customer.id }], first: 101 },
      customer.headers,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("Query.notification", () => {
  const NOTIFICATION = /* GraphQL */ `query($id: ID!) { notification(id: $id) { id template } }`;
  type One = { notification: { id: string; template: string } | null };

  it("shows users their own notification and staff anyone's; another user's reads as null", async () => {
    const own = await subgraph.prisma.notification.findFirstOrThrow({ where: { userId: customer.id } });
    const theirs = await subgraph.prisma.notification.findFirstOrThrow({ where: { userId: { not: customer.id } } });
    expect((await subgraph.request<One>(NOTIFICATION, { id: own.id }, customer.headers)).data?.notification).toEqual({
      id: own.id,
      template: own.template,
    });
    expect((await subgraph.request<One>(NOTIFICATION, { id: theirs.id }, staff.headers)).data?.notification?.id).toBe(
      theirs.id,
    );
    const denied = await subgraph.request<One>(NOTIFICATION, { id: theirs.id }, customer.headers);
    expect(denied.errors).toBeUndefined();
    expect(denied.data?.notification).toBeNull();
    expect(
      (await subgraph.request<One>(NOTIFICATION, { id: "not-an-id" }, customer.headers)).data?.notification,
    ).toBeNull();
  });

  it("requires a viewer", async () => {
    const res = await subgraph.request(NOTIFICATION, { id: "2b1c0e52-8d0a-4c55-9d1e-3c7b9c1f5a11" }, {});
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
