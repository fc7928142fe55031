import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closedLoop,
  failureShare,
  LoopbackClient,
  openLoop,
  percentile,
  pooled,
  type LoadResult,
  type Shot,
} from "./http-load";
import { renderTable, formatRatio } from "../bench/results";
import { freePort } from "../run";

let server: Server;
let client: LoopbackClient;
let seen: string[] = [];
const shot = (n: number): Shot => ({
  path: `/echo/${n}`,
  headers: { "Content-Type": "text/plain" },
  body: `body ${n}`,
});

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      seen.push(body);
      // /echo/<n>: answers after 5 ms; n divisible by 5 answers 500.
      const n = Number(request.url!.split("/").pop());
      setTimeout(() => response.writeHead(n % 5 === 0 ? 500 : 200).end(`ok ${n}`), 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  client = new LoopbackClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  client.close();
  await new Promise((resolve) => server.close(resolve));
});

describe("load drivers", () => {
  it("closed loop: sends every shot once with the given concurrency and tallies the answers", async () => {
    seen = [];
    const result = await closedLoop(
      client,
      Array.from({ length: 20 }, (_, i) => shot(i + 1)),
      4,
    );
    expect(result.requests).toBe(20);
    expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `body ${i + 1}`).sort());
    expect(result.statuses).toEqual({ 200: 16, 500: 4 });
    expect(failureShare(result)).toBeCloseTo(0.2);
    expect(Math.min(...result.latenciesMs)).toBeGreaterThanOrEqual(4);
  });

  it("closed loop with a shot factory stops when its time is up", async () => {
    let n = 0;
    const result = await closedLoop(client, () => shot(++n * 5 + 1), 2, 200);
    expect(result.requests).toBe(n);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(200);
    expect(result.statuses).toEqual({ 200: n });
  });

  it("open loop: sends on schedule (rate × duration requests) and charges latency from the scheduled time", async () => {
    let n = 0;
    const result = await openLoop(client, () => shot(++n * 5 + 1), 100, 500);
    expect(result.requests).toBe(50);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(490);
    expect(Math.min(...result.latenciesMs)).toBeGreaterThanOrEqual(4);
  });

  it("a refused connection is an answer with status 0, not an exception", async () => {
    const nobody = new LoopbackClient(`http://127.0.0.1:${await freePort()}`);
    expect((await nobody.send(shot(1))).status).toBe(0);
    nobody.close();
  });
});

describe("bench figures", () => {
  it("percentile is nearest-rank", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });

  it("pools runs into one: all requests, latencies and answers, the rate over their summed time", () => {
    const run = (latenciesMs: number[], statuses: Record<string, number>, elapsedMs: number): LoadResult => ({
      requests: latenciesMs.length,
      elapsedMs,
      perSecond: (latenciesMs.length / elapsedMs) * 1000,
      latenciesMs,
      statuses,
    });
    const all = pooled([run([1, 2, 3], { 200: 3 }, 1000), run([40, 5], { 200: 1, 500: 1 }, 1000)]);
    expect(all).toEqual({
      requests: 5,
      elapsedMs: 2000,
      perSecond: 2.5,
      latenciesMs: [1, 2, 3, 40, 5],
      statuses: { 200: 4, 500: 1 },
    });
    expect(percentile(all.latenciesMs, 80)).toBe(5);
  });

  it("prints ratios below 1 as percentages and above as multiples, and marks missed targets", () => {
    expect([formatRatio(0.104), formatRatio(1.5), formatRatio(37.21)]).toEqual(["10 %", "1.50×", "37.2×"]);
    const table = renderTable([
      {
        section: "S",
        measure: "m",
        value: 60,
        unit: "deliveries/s",
        baseline: { name: "floor", value: 600 },
        ratio: 0.1,
        target: { text: "≥ 50 %", met: false },
      },
    ]);
    expect(table).toContain("60.0 deliveries/s");
    expect(table).toContain("floor: 600 deliveries/s");
    expect(table).toContain("MISSED: ≥ 50 %");
  });
});
