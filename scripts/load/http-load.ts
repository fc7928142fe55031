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
        { method: shot.method ?? "POST", agent: this.agent, headers: { ...shot.headers, "Content-Length": Buffer.byteLength(shot.body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
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

export async function closedLoop(client: LoopbackClient, shots: Shot[], concurrency: number): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < shots.length) {
      const shot = shots[next++];
      const sentAt = performance.now();
      const answer = await client.send(shot);
      latenciesMs.push(performance.now() - sentAt);
      tally(statuses, answer.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return { requests: shots.length, elapsedMs, perSecond: (shots.length / elapsedMs) * 1000, latenciesMs, statuses };
}

export async function openLoop(client: LoopbackClient, shots: Shot[], ratePerSecond: number): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < shots.length; index++) {
    const scheduledAt = started + (index * 1000) / ratePerSecond;
    const wait = scheduledAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      client.send(shots[index]).then((answer) => {
        latenciesMs.push(performance.now() - scheduledAt);
        tally(statuses, answer.status);
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  return { requests: shots.length, elapsedMs, perSecond: (shots.length / elapsedMs) * 1000, latenciesMs, statuses };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
