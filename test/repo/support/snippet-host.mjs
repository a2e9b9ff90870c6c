// Preload (`node --import`) for running README snippets as a user would paste them: every server
// they start listens on a free port of 127.0.0.1 instead of the fixed one written (3000, 9464),
// so snippets run side by side and never reach beyond the machine. The runner reads `listening`
// to know when the snippet's servers are up.
import net from "node:net";

const original = net.Server.prototype.listen;

/** Promises of every listen() call of this process, settled when that server listens or fails. */
export const listening = [];

net.Server.prototype.listen = function listenOnAFreeLocalPort(...args) {
  const callback = typeof args.at(-1) === "function" ? args.pop() : undefined;
  const first = args[0];
  const options =
    typeof first === "object" && first !== null
      ? { ...first, port: 0, host: "127.0.0.1" }
      : { port: 0, host: "127.0.0.1" };
  delete options.path; // a Unix socket path is never written in the README
  listening.push(
    new Promise((resolve, reject) => {
      this.once("listening", () => resolve(this));
      this.once("error", reject);
    }),
  );
  return original.call(this, options, callback);
};

globalThis.__readmeSnippetHost = { listening };
