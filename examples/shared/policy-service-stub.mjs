/**
 * A stand-in for the policy service the claims API calls over HTTP: a tiny `node:http` server on
 * 127.0.0.1, started by the example itself so it runs without internet or other services. In
 * production this is another deployment; here it only gives `fetch` something real to call, so
 * the traces show a client span.
 *
 *   GET /policy-service/health                → 200 {"status":"ok"}
 *   GET /policy-service/policies/:policyId    → 200 {"policyId", "coverageLimit", "active"}
 *
 * Every path starts with /policy-service/ so the example can leave them out of its traces
 * (`ignorePaths`): the stub shares the example's process and would otherwise trace itself.
 */
import { createServer } from "node:http";

/** Coverage limit of every policy; a claim's risk score is its total divided by this. */
export const COVERAGE_LIMIT = 10_000;

const POLICY_PATH = /^\/policy-service\/policies\/([\w-]{1,64})$/;

function answer(res, statusCode, body) {
  res.writeHead(statusCode, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * Starts the stub on 127.0.0.1 and a free port.
 * @returns {Promise<{ url: string, close(): Promise<void> }>} `url` is the base URL to call
 */
export async function startPolicyServiceStub() {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return answer(res, 405, { error: "method not allowed" });
    if (path === "/policy-service/health") return answer(res, 200, { status: "ok" });
    const match = POLICY_PATH.exec(path);
    if (match === null) return answer(res, 404, { error: "not found" });
    return answer(res, 200, { policyId: match[1], coverageLimit: COVERAGE_LIMIT, active: true });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/policy-service`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
