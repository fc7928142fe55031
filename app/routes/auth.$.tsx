import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticateAdmin } from "../http/admin-shop.server";

// OAuth and token-exchange paths (/auth/callback, /auth/session-token, …) are handled by the library.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticateAdmin(request);
  return null;
};
