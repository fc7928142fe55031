/** The slice of the library's Admin API client the domain needs (so tests can pass a stand-in at the HTTP level). */
export interface AdminGraphql {
  graphql(query: string, options?: { variables?: Record<string, unknown> }): Promise<Response>;
}

/** Shopify answers GraphQL errors as a list, and HTTP-level refusals (401, 503) with `errors` as one string. */
export function adminApiError(json: { errors?: unknown } | null, status: number): Error {
  const errors = json?.errors;
  const message = Array.isArray(errors)
    ? errors.map((error) => (error as { message?: string }).message ?? String(error)).join("; ")
    : typeof errors === "string"
      ? errors
      : `HTTP ${status}`;
  return new Error(`Admin API: ${message}`);
}
