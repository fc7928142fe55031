/**
 * Starts `npm run demo` exactly as the README says (on its own PGlite directory and port) and waits for
 * it to print its URL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../scripts/run";

const projectRoot = path.resolve(import.meta.dirname, "..", "..");

function withoutVitestEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => !key.startsWith("VITEST") && key !== "TEST"),
  ) as NodeJS.ProcessEnv;
}

export interface RunningDemo {
  baseUrl: string;
  storefrontUrl: string;
  secondsToReady: number;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startDemo(extraArgs: string[] = []): Promise<RunningDemo> {
  const port = await freePort();
  const storefrontPort = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "demo-db-"));
  const started = Date.now();
  let output = "";
  const child: ChildProcess = spawn("npm", ["run", "demo", "--", ...extraArgs], {
    cwd: projectRoot,
    // Without Vitest's variables: vite.config.ts leaves the Remix plugin out when it sees VITEST.
    env: {
      ...withoutVitestEnv(process.env),
      PORT: String(port),
      STOREFRONT_PORT: String(storefrontPort),
      DATABASE_URL: `pglite:${dataDir}`,
      NODE_ENV: "development",
      DEMO_MODE: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready after 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`http://localhost:${port}/demo`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code}:\n${output}`));
    });
  });
  return {
    baseUrl: `http://localhost:${port}`,
    storefrontUrl: `http://localhost:${storefrontPort}`,
    secondsToReady: (Date.now() - started) / 1000,
    output: () => output,
    stop: async () => {
      // npm → node: signal the whole group so the server closes PGlite cleanly.
      if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
