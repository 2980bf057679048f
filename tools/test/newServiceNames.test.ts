import { nextPort } from "../src/newService/registrations";
import { ServiceNameError, serviceNamesOf } from "../src/newService/serviceNames";

describe("the new service's name", () => {
  it("spells a plural every way the files need", () => {
    expect(serviceNamesOf("tickets")).toEqual({
      name: "tickets",
      Name: "Tickets",
      singular: "ticket",
      Singular: "Ticket",
      NAME: "TICKETS",
    });
    expect(serviceNamesOf("categories")).toMatchObject({ singular: "category", Singular: "Category" });
  });

  it.each([
    ["Tickets", "is not a service name"],
    ["2fa", "is not a service name"],
    ["ticket_items", "is not a service name"],
    ["users", "is reserved"],
    ["workers", "is reserved"],
    ["events", "is reserved"],
    ["queries", "is reserved"],
    ["ticket", "is not a plural"],
    ["status", "is not a plural"],
  ])("refuses %s: %s", (name, reason) => {
    expect(() => serviceNamesOf(name)).toThrow(ServiceNameError);
    expect(() => serviceNamesOf(name)).toThrow(reason);
  });
});

describe("the new service's port", () => {
  it("is the next after the highest service's, skipping the gateway's and the workers'", () => {
    const registry = (ports: number[]) => ({
      gateway: { port: 4000 },
      workers: { port: 4010 },
      services: ports.map((port) => ({ port })),
    });
    expect(nextPort(registry([4001, 4005, 4002]))).toBe(4006);
    expect(nextPort(registry([4001, 4009]))).toBe(4011);
  });
});
