/** JSON responses without relying on the runtime's static Response.json (absent under Remix's fetch globals). */
export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** `text` is the body as received, for callers that hash or sign it. */
export type JsonBody = { ok: true; body: unknown; text: string } | { ok: false; response: Response };

/** Reads a JSON body of at most `maxBytes`: 413 above it, 400 with the reason when it is not JSON. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<JsonBody> {
  const tooLarge = () => ({
    ok: false as const,
    response: jsonResponse({ error: `body exceeds ${maxBytes} bytes` }, { status: 413 }),
  });
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > maxBytes) return tooLarge();
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) return tooLarge();
  const text = new TextDecoder().decode(bytes);
  try {
    return { ok: true, body: JSON.parse(text), text };
  } catch (error) {
    return {
      ok: false,
      response: jsonResponse({ error: `body is not JSON: ${(error as Error).message}` }, { status: 400 }),
    };
  }
}
