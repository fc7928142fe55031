/**
 * Resolves a URL path to the route module Remix would serve it with, using Remix's own flat-routes
 * convention and router matching, so tests exercise the real route files for the real URIs.
 */
import path from "node:path";
import { type AgnosticRouteObject, matchRoutes } from "@remix-run/router";
// Deep import of Remix's own route-convention implementation.
import { flatRoutes } from "@remix-run/dev/dist/config/flat-routes.js";
import { callRouteExport, routeExportFor, type ResourceRouteModule } from "../server/resource-routes";

interface ManifestRoute {
  id: string;
  parentId?: string;
  path?: string;
  index?: boolean;
  file: string;
}

const appDir = path.resolve(import.meta.dirname, "..", "app");

function routeTree(): AgnosticRouteObject[] {
  const manifest = flatRoutes(appDir, ["**/.*", "**/*.test.ts", "**/*.test.tsx"]) as Record<string, ManifestRoute>;
  const build = (parentId: string | undefined): AgnosticRouteObject[] =>
    Object.values(manifest)
      .filter((route) => (route.parentId ?? "root") === (parentId ?? "root") && route.id !== "root")
      .map((route) =>
        route.index
          ? { id: route.id, path: route.path, index: true as const }
          : { id: route.id, path: route.path, children: build(route.id) },
      );
  return [{ id: "root", path: "", children: build("root") }];
}

export async function routeFor(
  pathname: string,
): Promise<{ id: string; file: string; module: ResourceRouteModule; params: Record<string, string | undefined> }> {
  const matches = matchRoutes(routeTree(), pathname);
  const leaf = matches?.at(-1);
  if (!leaf || leaf.route.id === "root") throw new Error(`No route serves ${pathname}`);
  const manifest = flatRoutes(appDir, ["**/.*"]) as Record<string, ManifestRoute>;
  const file = manifest[leaf.route.id!].file;
  const module = (await import(path.join(appDir, file))) as ResourceRouteModule;
  return { id: leaf.route.id!, file, module, params: leaf.params };
}

/** Calls the route the way Remix would for the request's method, returning the Response (thrown or not). */
export async function dispatch(request: Request): Promise<Response> {
  const { module, params } = await routeFor(new URL(request.url).pathname);
  const response = await callRouteExport(module, request, params);
  if (!response)
    throw new Error(
      `${new URL(request.url).pathname} has no ${routeExportFor(request.method) ?? "export"} for ${request.method}`,
    );
  return response;
}
