/**
 * The examples' service layer exists twice: claim-service.mjs, which the runnable examples import
 * (plain JavaScript, so `traceFunction("process_claim")(method)`), and claim-service.ts, the same
 * class as a TypeScript user writes it, with `@traceFunction("process_claim")`. Here tsc compiles
 * the .ts under TC39 standard decorators (the repo's strict tsconfig), and both versions run the
 * same calls under an in-memory tracer: same results, same errors, same spans.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { assertDistBuilt, repoRoot } from "./support/processes.js";

const run = promisify(execFile);

describe("examples/shared/claim-service: the decorated .ts and the wrapped .mjs", () => {
  it("compile (strict, standard decorators) and behave alike: results, errors, spans", async () => {
    assertDistBuilt();
    const outDir = join(repoRoot, ".cache", `e2e-claim-service-${process.pid}`);
    try {
      await run(
        join(repoRoot, "node_modules/.bin/tsc"),
        ["-p", join(import.meta.dirname, "tsconfig.claim-service.json"), "--outDir", outDir],
        { cwd: repoRoot },
      );
      const { stdout } = await run(
        process.execPath,
        [
          join(import.meta.dirname, "support/run-claim-services.mjs"),
          join(outDir, "examples/shared/claim-service.js"),
        ],
        { cwd: repoRoot },
      );
      const { wrapper, decorator } = JSON.parse(stdout) as Record<string, unknown>;
      expect(decorator).toEqual(wrapper);
      expect(wrapper).toEqual({
        processed: {
          id: "1",
          policyId: "POL-1",
          items: [
            { description: "roof", amount: 6000 },
            { description: "window", amount: 2500 },
          ],
          total: 8500,
          status: "processed",
          riskScore: 0.85,
        },
        isPromise: true,
        processClaimName: "processClaim",
        score: 0.8,
        reports: [
          {
            value: {
              id: "1",
              policyId: "POL-1",
              status: "processed",
              riskScore: 0.85,
              total: 8500,
              items: 2,
            },
          },
          { error: "report renderer unavailable", statusCode: null },
          { error: "report renderer unavailable", statusCode: null },
        ],
        missing: { error: "no claim nope", statusCode: 404 },
        invalid: { error: "policyId must be a non-empty string", statusCode: 400 },
        ready: true,
        spans: [
          {
            name: "process_claim",
            parent: null,
            status: 0,
            attributes: { "claim.id": "1", "claim.items": 2 },
            events: [],
          },
          { name: "build_report", parent: null, status: 0, attributes: {}, events: [] },
          {
            name: "build_report",
            parent: null,
            status: 2,
            attributes: {},
            events: ["exception"],
          },
          {
            name: "build_report",
            parent: null,
            status: 2,
            attributes: {},
            events: ["exception"],
          },
        ],
      });
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});
