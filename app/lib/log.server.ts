/**
 * The server's one logger: structured JSON lines on stderr (pino), with no personal data. An error is logged by
 * its kind, code and message only — never its `detail`, `parameters`, `meta` or query values, where database
 * drivers put the row values they were given (an e-mail hash, a customer id, chat text) — and callers name shops
 * and orders by id, never shoppers.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import pino from "pino";

/** The id of the request being served (server/lifecycle.ts sets it): every line logged while serving it carries it. */
export const requestContext = new AsyncLocalStorage<string>();

export const log = pino(
  {
    level: process.env.LOG_LEVEL || "info",
    base: undefined, // no pid or hostname on every line
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: errorWithoutValues },
    mixin() {
      const id = requestContext.getStore();
      return id === undefined ? {} : { req: id };
    },
  },
  pino.destination(2),
);

/** What of an error may be logged: its kind, code, message and, outside production, where it was thrown. */
export function errorWithoutValues(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error).slice(0, 500) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    message: error.message.slice(0, 1000),
    ...(process.env.NODE_ENV === "production" ? {} : { stack: error.stack?.split("\n").slice(1, 6).join("\n") }),
  };
}
