// One raw request, byte for byte, as an attacker frames it: reads the request from stdin
// (so that printf can put a NUL or two Content-Length headers in it), sends it to
// 127.0.0.1:PORT and prints what came back. Ends when the server closes the connection
// ("closed") or after WAIT seconds of silence ("open").
//
// usage: printf 'GET / HTTP/1.1\r\n...' | node raw_http.mjs PORT [WAIT]
// Prints the responses' status lines, one per line, then "closed" or "open".
import net from "node:net";

const [port, wait = "2"] = process.argv.slice(2);
const chunks = [];
process.stdin.on("data", (d) => chunks.push(d));
process.stdin.on("end", () => {
  const s = net.connect({port: Number(port), host: "127.0.0.1"}, () => s.write(Buffer.concat(chunks)));
  let got = "", timer;
  const finish = (how) => {
    clearTimeout(timer);
    // A status line starts the text or follows the previous answer's body (which need
    // not end with a line break).
    for (const m of got.matchAll(/(?:^|\r\n|\})(HTTP\/1\.[01] \d{3}[^\r\n]*)/g)) console.log(m[1]);
    console.log(how);
    s.destroy();
    process.exit(0);
  };
  const arm = () => { clearTimeout(timer); timer = setTimeout(() => finish("open"), 1000 * Number(wait)); };
  arm();
  s.on("data", (d) => { got += d.toString("latin1"); arm(); });
  s.on("close", () => finish("closed"));
  s.on("error", () => finish("closed"));
});
