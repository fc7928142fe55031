/**
 * Load drivers for loopback HTTP runs: a closed loop (N workers, each sends its next request when the last
 * answers: measures capacity) and an open loop (requests leave on a fixed schedule whatever the answers:
 * measures latency at an offered load). Open-loop latency is taken from the scheduled send time, so a server
 * that falls behind is charged for the queue it built (no coordinated omission).
 */
import http from "node:http";

export interface Shot {
  method?: "POST" | "GET";
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Answer {
  status: number;
  body: string;
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  perSecond: number;
  latenciesMs: number[];
  statuses: Record<string, number>;
}

export class LoopbackClient {
  private readonly agent: http.Agent;
  constructor(
    private readonly baseUrl: string,
    maxSockets = 256,
    private readonly timeoutMs = 30_000,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** One request; a network error (server down, connection cut) resolves as status 0, never throws. */
  send(shot: Shot): Promise<Answer> {
    const url = new URL(shot.path, this.baseUrl);
    return new Promise((resolve) => {
      const request = http.request(
        url,
        {
          method: shot.method ?? "POST",
          agent: this.agent,
          headers: { ...shot.headers, "Content-Length": Buffer.byteLength(shot.body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
          );
          response.on("error", (error) => resolve({ status: 0, body: error.message }));
        },
      );
      request.setTimeout(this.timeoutMs, () => request.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      request.on("error", (error) => resolve({ status: 0, body: error.message }));
      request.end(shot.body);
    });
  }

  close() {
    this.agent.destroy();
  }
}

function tally(statuses: Record<string, number>, status: number) {
  statuses[status] = (statuses[status] ?? 0) + 1;
}

/** The next request to send: a list is sent once in order; a function is called for as long as the run lasts. */
export type Shots = Shot[] | (() => Shot);

function source(shots: Shots, durationMs: number | undefined) {
  const started = performance.now();
  let index = 0;
  return (): Shot | null => {
    if (Array.isArray(shots)) return index < shots.length ? shots[index++] : null;
    return durationMs !== undefined && performance.now() - started >= durationMs ? null : shots();
  };
}

/** `concurrency` workers, each sending its next request when its last one is answered, until the shots or the time run out. */
export async function closedLoop(
  client: LoopbackClient,
  shots: Shots,
  concurrency: number,
  durationMs?: number,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const next = source(shots, durationMs);
  const started = performance.now();
  const worker = async () => {
    for (let shot = next(); shot; shot = next()) {
      const sentAt = performance.now();
      const answer = await client.send(shot);
      latenciesMs.push(performance.now() - sentAt);
      tally(statuses, answer.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return {
    requests: latenciesMs.length,
    elapsedMs,
    perSecond: (latenciesMs.length / elapsedMs) * 1000,
    latenciesMs,
    statuses,
  };
}

/** Requests leave at `ratePerSecond` for `durationMs` whatever the answers; the run ends when the last is answered. */
export async function openLoop(
  client: LoopbackClient,
  shots: Shots,
  ratePerSecond: number,
  durationMs?: number,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  const count = Array.isArray(shots) ? shots.length : Math.round(((durationMs ?? 0) / 1000) * ratePerSecond);
  for (let index = 0; index < count; index++) {
    const scheduledAt = started + (index * 1000) / ratePerSecond;
    // Never before its time (that would understate latency); a late timer is charged to the latency, as it should be.
    while (performance.now() < scheduledAt)
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, scheduledAt - performance.now())));
    const shot = Array.isArray(shots) ? shots[index] : shots();
    inFlight.push(
      client.send(shot).then((answer) => {
        latenciesMs.push(performance.now() - scheduledAt);
        tally(statuses, answer.status);
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  return { requests: count, elapsedMs, perSecond: (count / elapsedMs) * 1000, latenciesMs, statuses };
}

/** Several runs of one load as one: every request and latency of all of them (a longer measurement in pieces). */
export function pooled(results: readonly LoadResult[]): LoadResult {
  const requests = results.reduce((sum, result) => sum + result.requests, 0);
  const elapsedMs = results.reduce((sum, result) => sum + result.elapsedMs, 0);
  const statuses: Record<string, number> = {};
  for (const result of results)
    for (const [status, count] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  return {
    requests,
    elapsedMs,
    perSecond: (requests / elapsedMs) * 1000,
    latenciesMs: results.flatMap((result) => result.latenciesMs),
    statuses,
  };
}

/** The share of answers that were not 200 (0..1). */
export const failureShare = (result: LoadResult) => 1 - (result.statuses["200"] ?? 0) / Math.max(1, result.requests);

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
