import path from "node:path";

/** The repository's root: the Remix build is in its build/, the tools in node_modules/.bin. */
export const projectRoot = path.resolve(import.meta.dirname, "..");
