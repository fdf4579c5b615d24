// The slow-body attacker of issue 25: N connections from one address, each sending a
// request's headers at once and then its body a byte every DRIP seconds, for HOLD seconds.
// While they hold, the caller asks from another address whether the server still answers.
//
// usage: node slow_clients.mjs PORT N DRIP HOLD 'HEAD' ; HEAD's "\r\n" are written as \r\n
// Prints one JSON line: {connected, refused, answered (a status line came back at once),
// cut (closed by the server without an answer), alive (still open at HOLD), longest
// (seconds the longest-lived connection was kept before the server closed it), held (how
// many the server kept open past a second)}.
import net from "node:net";

const [port, n, drip, hold, head] = process.argv.slice(2);
const request = head.replace(/\\r\\n/g, "\r\n");
const t0 = Date.now();
const tally = {connected: 0, refused: 0, answered: 0, cut: 0, alive: 0, longest: 0, held: 0};
const statuses = {};
const sockets = [];

for (let i = 0; i < Number(n); i++) {
  const s = net.connect({port: Number(port), host: "127.0.0.1"});
  const c = {s, open: false, answered: false, closed: false, timer: null};
  sockets.push(c);
  s.on("connect", () => {
    c.open = true;
    tally.connected++;
    s.write(request);
    c.timer = setInterval(() => s.write("x"), 1000 * Number(drip));
  });
  s.on("data", (d) => {
    if (!c.answered) {
      c.answered = true;
      const status = d.toString("latin1").split(" ")[1];
      statuses[status] = (statuses[status] || 0) + 1;
    }
  });
  s.on("error", () => {});
  s.on("close", () => {
    clearInterval(c.timer);
    if (c.closed) return;
    c.closed = true;
    if (!c.open) tally.refused++;
    else if (c.answered) tally.answered++;
    else tally.cut++;
    const lived = (Date.now() - t0) / 1000;
    tally.longest = Math.max(tally.longest, lived);
    if (lived > 1) tally.held++;
  });
}

setTimeout(() => {
  for (const c of sockets) {
    if (!c.closed) {
      tally.alive++;
      tally.held++;
      c.closed = true;
      clearInterval(c.timer);
      c.s.destroy();
    }
  }
  console.log(JSON.stringify({...tally, longest: Math.round(tally.longest * 10) / 10, statuses}));
}, 1000 * Number(hold));
