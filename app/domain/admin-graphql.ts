/** The slice of the library's Admin API client the domain needs (so tests can pass a stand-in at the HTTP level). */
export interface AdminGraphql {
  graphql(query: string, options?: { variables?: Record<string, unknown> }): Promise<Response>;
}
