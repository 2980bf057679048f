import { startTestSubgraph, type TestSubgraph, type TestViewer } from "@fedplat/devkit";
import { buildPaymentsServer, createPaymentsPrisma, type PaymentsPrisma } from "../src";

let subgraph: TestSubgraph<PaymentsPrisma>;
let customer: TestViewer;
let staff: TestViewer;

beforeAll(async () => {
  subgraph = await startTestSubgraph({ createPrisma: createPaymentsPrisma, build: buildPaymentsServer });
  customer = await subgraph.viewer("customer");
  staff = await subgraph.viewer("staff");
});
afterAll(() => subgraph?.stop());

const ORDER_PAYMENTS = /* GraphQL */ `
  query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id payment { id state amountCents attempts lastError provider } } } }
`;
type OrderPayments = {
  _entities: Array<{
    id: string;
    payment: {
      id: string;
      state: string;
      amountCents: number;
      attempts: number;
      lastError: string | null;
      provider: string;
    } | null;
  }>;
};

describe("Order.payment", () => {
  it("resolves the payments of many orders with one statement", async () => {
    const payments = await subgraph.prisma.payment.findMany({ take: 60 });
    const before = subgraph.statements();
    const res = await subgraph.request<OrderPayments>(
      ORDER_PAYMENTS,
      { r: payments.map((p) => ({ __typename: "Order", id: p.orderId })) },
      staff.headers,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities.map((order) => order.payment?.id)).toEqual(payments.map((p) => p.id));
    expect(subgraph.statements() - before).toBe(1);
  });

  it("is null for an order without a payment", async () => {
    const res = await subgraph.request<OrderPayments>(
      ORDER_PAYMENTS,
      { r: [{ __typename: "Order", id: "00000000-0000-4000-8000-000000000000" }] },
      staff.headers,
    );
    expect(res.data?._entities[0]?.payment).toBeNull();
  });

  it("shows a customer their own payment, with the failure reason when it failed", async () => {
    const own = await subgraph.prisma.payment.findFirstOrThrow({ where: { customerId: customer.id, state: "FAILED" } });
    const res = await subgraph.request<OrderPayments>(
      ORDER_PAYMENTS,
      { r: [{ __typename: "Order", id: own.orderId }] },
      customer.headers,
    );
    expect(res.data?._entities[0]?.payment).toMatchObject({
      state: "FAILED",
      lastError: "card_declined",
      provider: "simulated",
      amountCents: own.amountCents,
    });
  });

  it("forbids a customer from reading another customer's payment, and anonymous callers from any", async () => {
    const foreign = await subgraph.prisma.payment.findFirstOrThrow({ where: { customerId: { not: customer.id } } });
    const denied = await subgraph.request(
      ORDER_PAYMENTS,
      { r: [{ __typename: "Order", id: foreign.orderId }] },
      customer.headers,
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await subgraph.request(ORDER_PAYMENTS, { r: [{ __typename: "Order", id: foreign.orderId }] });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
