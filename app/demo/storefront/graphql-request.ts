/**
 * What every GraphQL stand-in of the simulator does before it answers, as Shopify's endpoints do: 405 for anything
 * but POST, 401 without the access token in its header, 400 for a body that is not JSON.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export type SendJson = (status: number, json: unknown) => void;

export function graphqlRequestOf<Variables>(
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  token: { header: string; value: string },
): { send: SendJson; query: string; variables: Partial<Variables> } | null {
  const send: SendJson = (status, json) => {
    response.writeHead(status, { "Content-Type": "application/json" });
    response.end(JSON.stringify(json));
  };
  if (request.method !== "POST") {
    send(405, { errors: "Method Not Allowed" });
    return null;
  }
  if (request.headers[token.header] !== token.value) {
    send(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    return null;
  }
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { query?: string; variables?: Partial<Variables> };
    return { send, query: parsed.query ?? "", variables: parsed.variables ?? {} };
  } catch {
    send(400, { errors: "Bad Request" });
    return null;
  }
}
