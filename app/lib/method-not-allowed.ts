/** Loader for POST-only routes: Remix would otherwise answer a GET with 400 ("no loader"). */
export function postOnlyLoader(): never {
  throw new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
}
