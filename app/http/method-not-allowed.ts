/** Loader for POST-only routes: Remix would otherwise answer a GET with 400 ("no loader"). */
export function postOnlyLoader(): never {
  throw new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
}

/** Action for read-only routes: a POST, PUT or DELETE gets 405 instead of Remix's generic 400/405 page. */
export function getOnlyAction(): never {
  throw new Response("Method Not Allowed", { status: 405, headers: { Allow: "GET, HEAD" } });
}
