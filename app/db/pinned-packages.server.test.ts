import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PATCHED_PACKAGES, type PatchedPackage, assertPatchable, installedVersion } from "./pinned-packages.server";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>;
};

describe("patched packages", () => {
  const names = Object.keys(PATCHED_PACKAGES) as PatchedPackage[];

  it.each(names)("%s is pinned in package.json at the version its patches were written for", (name) => {
    expect(manifest.dependencies[name]).toBe(PATCHED_PACKAGES[name]);
    expect(installedVersion(name)).toBe(PATCHED_PACKAGES[name]);
    expect(() => assertPatchable(name, "a patch")).not.toThrow();
  });

  it("refuses to patch another version, naming the package, the patch and what to do", () => {
    expect(() => assertPatchable("@prisma/adapter-pg", "scripts sent whole", "7.0.0")).toThrow(
      /@prisma\/adapter-pg 7\.0\.0 is installed, but the patch "scripts sent whole" was written for 6\.19\.3: re-check/,
    );
  });

  it("reads a package's version even where its exports hide package.json", () => {
    // pglite-prisma-adapter does not export ./package.json: require() of it fails, the guard still reads it.
    expect(installedVersion("pglite-prisma-adapter")).toMatch(/^\d+\.\d+\.\d+/);
    expect(() => installedVersion("surely-not-a-package-here")).toThrow(/not installed/);
  });
});
