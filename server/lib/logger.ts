import pino from "pino";

// Structured logs with request id and tenant. Anything that could be a secret is redacted by
// path as a second line of defence; code must not log secrets in the first place.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { app: "switchyard" },
  redact: {
    paths: [
      "password",
      "*.password",
      "*.passwordHash",
      "*.secret",
      "*.token",
      "*.cookie",
      "req.headers.cookie",
      "req.headers.authorization",
      "*.settlementAccountNumber",
      "*.accountNumber",
      "*.deviceSecret",
      "*.apiSecret",
    ],
    censor: "[redacted]",
  },
});
