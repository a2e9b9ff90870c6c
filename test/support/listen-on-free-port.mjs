// Preload (`node --import`) for running a README snippet as written: every server it starts
// listens on a free port of 127.0.0.1 instead of the fixed one written (3000), and the port is
// printed to stderr as `LISTENING <port>` for the test to connect to.
import net from "node:net";

const original = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnAFreeLocalPort(...args) {
  const callback = typeof args.at(-1) === "function" ? args.pop() : undefined;
  this.once("listening", () => process.stderr.write(`LISTENING ${this.address().port}\n`));
  return original.call(this, { port: 0, host: "127.0.0.1" }, callback);
};
