import net from "node:net";

/**
 * A TCP hop in front of a real subgraph that can be cut and restored on the same port (to the
 * gateway, the subgraph's host goes down: connections refused, open ones reset) and can hold
 * each chunk of the answer for `delayMs` (a slow network).
 */
export interface Link {
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
}

export async function openLink(target: URL, delayMs = 0): Promise<Link> {
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => undefined);
        }
        client.pipe(upstream);
        upstream.on("data", (chunk: Buffer) => {
          setTimeout(() => client.writable && client.write(chunk), delayMs);
        });
        upstream.on("end", () => setTimeout(() => client.end(), delayMs));
      });
      server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
  const port = await listen(0);
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    cut: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
    restore: async () => void (await listen(port)),
  };
}
