/**
 * Browser tests drive Debian's Chromium (browser downloads such as `npx playwright install` cannot work
 * here). Installs it when missing and we may (root with apt-get); otherwise says exactly what to run.
 */
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run \`sudo apt-get install -y chromium\` or set CHROMIUM_PATH.`,
    );
  }
  console.log("[ensure-chromium] installing Debian's chromium for the browser tests…");
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "chromium"],
  ]) {
    const result = spawnSync("apt-get", args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}

if (process.argv[1]?.endsWith("ensure-chromium.ts")) ensureChromium();
