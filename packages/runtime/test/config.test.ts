import {
  adminListenerOf,
  ConfigError,
  databaseSection,
  loadConfig,
  redactUrl,
  redisSection,
  serviceDatabaseUrl,
} from "../src";

describe("configuration", () => {
  const sections = { database: databaseSection, redis: redisSection };

  it("applies defaults that work with local PostgreSQL and Redis", () => {
    const config = loadConfig(sections, { env: {}, file: false });
    expect(config.database.url).toBe("postgresql://postgres:postgres@127.0.0.1:5432/fedplat");
    expect(config.redis.url).toBe("redis://127.0.0.1:6379");
  });

  it("names every invalid variable", () => {
    const attempt = () =>
      loadConfig(sections, { env: { DATABASE_URL: "mysql://x", REDIS_URL: "http://cache" }, file: false });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL: must be a postgresql:\/\/ URL[\s\S]*REDIS_URL: must be a redis:\/\/ URL/);
  });

  it("picks a service's own database URL first", () => {
    expect(
      serviceDatabaseUrl("orders", { ORDERS_DATABASE_URL: "postgresql://a/x", DATABASE_URL: "postgresql://b/y" }),
    ).toBe("postgresql://a/x");
    expect(serviceDatabaseUrl("orders", { DATABASE_URL: "postgresql://b/y" })).toBe("postgresql://b/y");
  });

  it("never prints a password", () => {
    expect(redactUrl("postgresql://app:hunter2@db:5432/x")).toBe("postgresql://app:***@db:5432/x");
  });

  it("gives /metrics and health a port of their own in production only: ADMIN_PORT (9464) on ADMIN_HOST", () => {
    expect(adminListenerOf(false, { ADMIN_PORT: "9999" })).toBeUndefined();
    expect(adminListenerOf(true, {})).toEqual({ port: 9464, host: "0.0.0.0" });
    expect(adminListenerOf(true, { ADMIN_PORT: "9100", ADMIN_HOST: "10.0.0.5" })).toEqual({
      port: 9100,
      host: "10.0.0.5",
    });
    expect(() => adminListenerOf(true, { ADMIN_PORT: "metrics" })).toThrow(/ADMIN_PORT: /);
  });
});
