import { ConfigError, redisOptions } from "../src";

describe("Redis connection options", () => {
  it("connects to REDIS_URL itself (redis:// or rediss://) when no sentinel is configured", () => {
    expect(redisOptions("redis://:pw@cache:6379/2", {})).toBe("redis://:pw@cache:6379/2");
    expect(redisOptions("rediss://user:pw@cache:6380", {})).toBe("rediss://user:pw@cache:6380");
  });

  it("asks REDIS_SENTINELS for REDIS_SENTINEL_NAME's primary, with REDIS_URL's credentials, database and TLS", () => {
    expect(
      redisOptions("rediss://app:s%40cret@ignored:6379/3", {
        REDIS_SENTINELS: "s1:26379,10.0.0.2:26380",
        REDIS_SENTINEL_NAME: "queues",
        REDIS_SENTINEL_PASSWORD: "sentinel-pw",
      }),
    ).toEqual({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "10.0.0.2", port: 26380 },
      ],
      name: "queues",
      sentinelPassword: "sentinel-pw",
      username: "app",
      password: "s@cret",
      db: 3,
      tls: {},
      enableTLSForSentinelMode: true,
    });
    expect(redisOptions("redis://redis:6379", { REDIS_SENTINELS: "s1:26379" })).toEqual({
      sentinels: [{ host: "s1", port: 26379 }],
      name: "mymaster",
      sentinelPassword: undefined,
      username: undefined,
      password: undefined,
      db: 0,
    });
  });

  it("refuses a malformed sentinel list, naming the variable", () => {
    expect(() => redisOptions("redis://redis:6379", { REDIS_SENTINELS: "s1" })).toThrow(ConfigError);
    expect(() => redisOptions("redis://redis:6379", { REDIS_SENTINELS: "s1" })).toThrow(
      /REDIS_SENTINELS: must be host:port,host:port/,
    );
  });
});
