// node mem_holds.mjs PID FILE: whether process PID's memory holds FILE's bytes (a key),
// searched through /proc/PID/mem in every readable mapping. Prints "holds" or "clean"
// and the bytes searched; exits 2 when the memory cannot be read (not root, say).
import fs from "node:fs";

const [pid, file] = process.argv.slice(2);
const needle = fs.readFileSync(file);
let mem;
try {
  mem = fs.openSync(`/proc/${pid}/mem`, "r");
} catch (e) {
  console.error(`cannot read the memory of ${pid}: ${e.code}`);
  process.exit(2);
}
let searched = 0, found = false;
const chunk = Buffer.alloc(1 << 20);
for (const line of fs.readFileSync(`/proc/${pid}/maps`, "utf8").split("\n")) {
  const m = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line);
  if (!m || line.endsWith("[vvar]") || line.endsWith("[vsyscall]")) continue;
  const start = BigInt("0x" + m[1]), end = BigInt("0x" + m[2]);
  // Chunks overlap by the needle's length, so a key across a boundary is found.
  for (let at = start; at < end && !found; at += BigInt(chunk.length - needle.length)) {
    const want = Number(end - at < BigInt(chunk.length) ? end - at : BigInt(chunk.length));
    let n;
    try {
      n = fs.readSync(mem, chunk, 0, want, at);
    } catch {
      break; // a mapping that cannot be read (a guard page): the next one
    }
    searched += n;
    if (chunk.subarray(0, n).indexOf(needle) >= 0) found = true;
    if (n < want) break;
  }
  if (found) break;
}
console.log(`${found ? "holds" : "clean"} ${searched}`);
