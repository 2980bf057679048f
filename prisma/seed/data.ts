import { createRandom, seedId } from "./ids";

/** Seed volume: enough rows that performance work has something to chew on. */
export const SEED_COUNTS = { users: 50, products: 200, orders: 1_000 } as const;

export const DEMO_ACCOUNTS = [
  { email: "admin@example.com", name: "Ada Admin", role: "ADMIN" },
  { email: "staff@example.com", name: "Sam Staff", role: "STAFF" },
  { email: "customer@example.com", name: "Casey Customer", role: "CUSTOMER" },
] as const;

type Role = "CUSTOMER" | "STAFF" | "ADMIN";
type OrderStatus = "PENDING" | "CONFIRMED" | "CANCELLED" | "SHIPPED" | "DELIVERED";
type PaymentState = "PENDING" | "SUCCEEDED" | "FAILED" | "REFUNDED";

export interface SeedUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}
export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  priceCents: number;
  currency: string;
  stock: number;
  createdAt: Date;
}
export interface SeedOrderLine {
  id: string;
  orderId: string;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  position: number;
}
export interface SeedOrder {
  id: string;
  customerId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
}
export interface SeedPayment {
  id: string;
  orderId: string;
  customerId: string;
  state: PaymentState;
  amountCents: number;
  currency: string;
  provider: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}
export interface SeedNotification {
  id: string;
  userId: string;
  channel: "EMAIL" | "SMS" | "PUSH";
  template: string;
  status: "QUEUED" | "SENT" | "FAILED";
  payload: Record<string, string>;
  createdAt: Date;
  sentAt: Date | null;
}

export interface SeedData {
  users: SeedUser[];
  products: SeedProduct[];
  orders: SeedOrder[];
  lines: SeedOrderLine[];
  payments: SeedPayment[];
  notifications: SeedNotification[];
}

const FIRST = [
  "Alex",
  "Blair",
  "Casey",
  "Devon",
  "Emery",
  "Finley",
  "Gray",
  "Harper",
  "Indy",
  "Jordan",
  "Kai",
  "Logan",
  "Morgan",
  "Noel",
  "Oakley",
  "Parker",
  "Quinn",
  "Riley",
  "Sage",
  "Taylor",
];
const LAST = ["Nguyen", "Schmidt", "Okafor", "Rossi", "Silva", "Kowalski", "Tanaka", "Haddad", "Larsen", "Moreau"];
const ADJECTIVES = ["Compact", "Rugged", "Silent", "Smart", "Classic", "Ultra", "Eco", "Pro", "Mini", "Deluxe"];
const NOUNS = [
  "Kettle",
  "Backpack",
  "Headphones",
  "Lamp",
  "Keyboard",
  "Blender",
  "Tent",
  "Watch",
  "Speaker",
  "Mug",
  "Jacket",
  "Drone",
  "Router",
  "Chair",
  "Bottle",
  "Camera",
  "Monitor",
  "Notebook",
  "Scooter",
  "Toaster",
];
const STATUSES: readonly OrderStatus[] = [
  "PENDING",
  "CONFIRMED",
  "CONFIRMED",
  "SHIPPED",
  "DELIVERED",
  "DELIVERED",
  "DELIVERED",
  "CANCELLED",
];
const PAYMENT_OF: Record<OrderStatus, PaymentState> = {
  PENDING: "PENDING",
  CONFIRMED: "SUCCEEDED",
  SHIPPED: "SUCCEEDED",
  DELIVERED: "SUCCEEDED",
  CANCELLED: "FAILED",
};

/** Fixed clock so the data (and its ordering) is identical everywhere. */
const EPOCH = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

/** The whole demo dataset, deterministic: same ids, values and timestamps on every run. */
export function buildSeedData(counts: { users: number; products: number; orders: number } = SEED_COUNTS): SeedData {
  const random = createRandom(20261121);
  const users: SeedUser[] = [];
  for (let i = 0; i < counts.users; i++) {
    const demo = DEMO_ACCOUNTS[i];
    const first = FIRST[i % FIRST.length] ?? "Alex";
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] ?? "Nguyen";
    users.push({
      id: seedId("user", i),
      email: demo?.email ?? `${first}.${last}${i}@example.com`.toLowerCase(),
      name: demo?.name ?? `${first} ${last}`,
      role: demo?.role ?? "CUSTOMER",
      createdAt: new Date(EPOCH + i * 3_600_000),
    });
  }

  const products: SeedProduct[] = [];
  for (let i = 0; i < counts.products; i++) {
    const name = `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]}${i >= 200 ? ` ${i}` : ""}`;
    products.push({
      id: seedId("product", i),
      sku: `SKU-${String(i + 1).padStart(5, "0")}`,
      name,
      description: i % 5 === 0 ? null : `The ${name.toLowerCase()}: dependable, well reviewed, ships in two days.`,
      priceCents: random.int(199, 49_999),
      currency: "USD",
      stock: random.int(0, 500),
      createdAt: new Date(EPOCH + i * 60_000),
    });
  }

  const customers = users.filter((user) => user.role === "CUSTOMER");
  const orders: SeedOrder[] = [];
  const lines: SeedOrderLine[] = [];
  const payments: SeedPayment[] = [];
  for (let i = 0; i < counts.orders; i++) {
    const orderId = seedId("order", i);
    const customer = customers[i % customers.length] ?? customers[0];
    if (!customer) throw new Error("seed needs at least one customer");
    const status = random.pick(STATUSES);
    const createdAt = new Date(EPOCH + 30 * DAY + i * 3 * 3_600_000);
    const updatedAt = new Date(createdAt.getTime() + (status === "PENDING" ? 0 : random.int(1, 72) * 3_600_000));
    const lineCount = random.int(1, 4);
    const chosen = new Set<number>();
    while (chosen.size < lineCount) chosen.add(random.int(0, products.length - 1));
    let totalCents = 0;
    [...chosen].forEach((productIndex, position) => {
      const product = products[productIndex];
      if (!product) return;
      const quantity = random.int(1, 3);
      totalCents += quantity * product.priceCents;
      lines.push({
        id: seedId("line", i * 10 + position),
        orderId,
        productId: product.id,
        quantity,
        unitPriceCents: product.priceCents,
        position,
      });
    });
    orders.push({ id: orderId, customerId: customer.id, status, totalCents, currency: "USD", createdAt, updatedAt });
    const state = PAYMENT_OF[status];
    payments.push({
      id: seedId("payment", i),
      orderId,
      customerId: customer.id,
      state,
      amountCents: totalCents,
      currency: "USD",
      provider: "simulated",
      attempts: state === "PENDING" ? 0 : state === "FAILED" ? 4 : random.int(1, 2),
      lastError: state === "FAILED" ? "card_declined" : null,
      createdAt,
      updatedAt,
    });
  }

  const notifications: SeedNotification[] = users.map((user, i) => ({
    id: seedId("notification", i),
    userId: user.id,
    channel: "EMAIL",
    template: "welcome",
    status: "SENT",
    payload: { name: user.name },
    createdAt: user.createdAt,
    sentAt: user.createdAt,
  }));
  orders.forEach((order, i) => {
    if (order.status === "PENDING") return;
    const template = order.status === "CANCELLED" ? "order-cancelled" : "order-confirmed";
    notifications.push({
      id: seedId("notification", counts.users + i),
      userId: order.customerId,
      channel: i % 3 === 0 ? "SMS" : i % 3 === 1 ? "PUSH" : "EMAIL",
      template,
      status: "SENT",
      payload: { orderId: order.id },
      createdAt: order.updatedAt,
      sentAt: order.updatedAt,
    });
  });

  return { users, products, orders, lines, payments, notifications };
}
