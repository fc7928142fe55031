/**
 * A load balancer for the harness: each request goes to the next instance in turn, over keep-alive connections. An
 * instance that does not answer (stopped, killed, restarting) gets the request answered 502 by the proxy, as a load
 * balancer does before its health check notices; the sender retries, as Shopify does.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RoundRobinProxy {
  url: string;
  /** Requests each instance answered, and the 502s the proxy gave for instances that did not. */
  answered: number[];
  unreachable: number;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(instances: readonly string[]): Promise<RoundRobinProxy> {
  const agents = instances.map(() => new http.Agent({ keepAlive: true, maxSockets: 64 }));
  const answered = instances.map(() => 0);
  const proxy: RoundRobinProxy = { url: "", answered, unreachable: 0, close: async () => {} };
  let turn = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const index = turn++ % instances.length;
      const body = Buffer.concat(chunks);
      const upstream = http.request(
        new URL(req.url ?? "/", instances[index]),
        { method: req.method, headers: { ...req.headers, "content-length": body.length }, agent: agents[index] },
        (answer) => {
          answered[index]++;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", (error) => {
        proxy.unreachable++;
        if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
        res.end(`instance ${index} did not answer: ${error.message}`);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const agent of agents) agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}
