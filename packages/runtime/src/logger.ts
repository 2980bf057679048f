import pino, { type Logger } from "pino";
import { loadConfig, processSection } from "./config";

export type { Logger };

/** JSON logs; credentials and tokens are redacted wherever they appear in a logged object. */
export function createLogger(
  service: string,
  level: string = loadConfig({ process: processSection }).process.logLevel,
): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: {
      paths: [
        "password",
        "*.password",
        "passwordHash",
        "*.passwordHash",
        "token",
        "*.token",
        "key",
        "*.key",
        "accessToken",
        "*.accessToken",
        "refreshToken",
        "*.refreshToken",
        "email",
        "*.email",
        "phone",
        "*.phone",
        "address",
        "*.address",
        "variables",
        "*.variables",
        "headers.authorization",
        "*.headers.authorization",
        'headers["x-api-key"]',
        '*.headers["x-api-key"]',
      ],
      censor: "[redacted]",
    },
  });
}
