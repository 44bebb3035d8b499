// Loopback servers for the Node tests: a scripted one (answers listed responses in order and
// records what it received; the twin of tests/_scripted.py) and a listener for any handler.
import http from "node:http";

/** Serve `handler(req, body, res)` on 127.0.0.1; resolves to { url, requests, connections, open, close }. */
export async function serve(handler) {
  const requests = [];
  const sockets = new Set();
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const seen = { method: req.method, url: req.url, path: req.url.split("?")[0], headers: req.headers, body };
      requests.push(seen);
      Promise.resolve(handler(seen, res)).catch((error) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  server.on("connection", (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    /** Connections open now. */
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function reply(res, { status = 200, headers = {}, body = "" }) {
  const payload = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  const head = { ...headers, "Content-Length": String(payload.length) };
  if (typeof body !== "string" && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
    head["Content-Type"] = "application/json";
  }
  res.writeHead(status, head);
  res.end(payload);
}

/** Answer `responses` in order whatever the path (599 past the end). */
export function scripted(responses) {
  let index = 0;
  return serve((seen, res) => {
    const next = responses[index++] ?? { status: 599, headers: {}, body: "not in the script" };
    reply(res, next);
  });
}
