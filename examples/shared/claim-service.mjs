/**
 * The claims service layer both examples share: create, fetch, process (risk scoring) and report.
 * It knows nothing about Fastify or Express; it records the CrisisLens domain metrics and traces
 * its two interesting methods.
 *
 * This is plain JavaScript, which has no decorators yet, so the methods are traced with the
 * wrapper form of `traceFunction` (bottom of the file). `claim-service.ts` is the same class
 * written the way a TypeScript user writes it, with `@traceFunction("process_claim")`; a test
 * compiles it and checks both behave alike.
 */
/* global AbortSignal */
import { setTimeout as sleep } from "node:timers/promises";
import { metrics, traceFunction } from "@crisislen/observability";

/** An error with the HTTP status the routes answer with. */
export class ClaimError extends Error {
  constructor(statusCode, message) {
    super(message);
    this.name = "ClaimError";
    this.statusCode = statusCode;
  }
}

/** Risk score in 0–1: the claim's share of the policy's coverage, in hundredths. */
export function scoreClaim(total, coverageLimit) {
  return Math.min(1, Math.round((total / coverageLimit) * 100) / 100);
}

function validItem(item) {
  return (
    typeof item === "object" &&
    item !== null &&
    typeof item.description === "string" &&
    Number.isFinite(item.amount) &&
    item.amount > 0
  );
}

export class ClaimService {
  #claims = new Map();
  #nextId = 1;
  #reportCalls = 0;

  /**
   * @param {{ policyServiceUrl: string, scoringDelayMs?: number, reportFailEvery?: number }} options
   *   `scoringDelayMs`: how long the (simulated) risk model takes; `reportFailEvery`: every Nth
   *   report fails with 500 (0: never).
   */
  constructor({ policyServiceUrl, scoringDelayMs = 150, reportFailEvery = 10 }) {
    this.policyServiceUrl = policyServiceUrl;
    this.scoringDelayMs = scoringDelayMs;
    this.reportFailEvery = reportFailEvery;
  }

  /** Stores a new claim; throws a 400 `ClaimError` for a malformed body. */
  createClaim(input) {
    const items = input?.items;
    if (typeof input?.policyId !== "string" || input.policyId === "")
      throw new ClaimError(400, "policyId must be a non-empty string");
    if (
      !Array.isArray(items) ||
      items.length === 0 ||
      items.length > 100 ||
      !items.every(validItem)
    )
      throw new ClaimError(
        400,
        "items must be 1–100 of { description: string, amount: number > 0 }",
      );
    const claim = {
      id: String(this.#nextId++),
      policyId: input.policyId,
      items: items.map(({ description, amount }) => ({ description, amount })),
      total: items.reduce((sum, item) => sum + item.amount, 0),
      status: "received",
      riskScore: null,
    };
    this.#claims.set(claim.id, claim);
    return claim;
  }

  /** The claim with this id, or a 404 `ClaimError`. */
  getClaim(id) {
    const claim = this.#claims.get(id);
    if (claim === undefined) throw new ClaimError(404, `no claim ${id}`);
    return claim;
  }

  /**
   * The processing workflow: look the policy up (an outbound `fetch`), run the risk model, record
   * the score and the items. `crisislen_workflows_active` counts it while it runs.
   */
  async processClaim(claim) {
    return metrics.trackWorkflow(async () => {
      const policy = await this.#fetchPolicy(claim.policyId);
      await sleep(this.scoringDelayMs);
      const riskScore = scoreClaim(claim.total, policy.coverageLimit);
      metrics.recordRiskScore(riskScore);
      metrics.countItems(claim.items.length);
      claim.status = "processed";
      claim.riskScore = riskScore;
      return claim;
    });
  }

  /** A claim summary. Fails now and then: every `reportFailEvery`-th call, and when `fail` is set. */
  buildReport(claim, { fail = false } = {}) {
    this.#reportCalls += 1;
    const every = this.reportFailEvery;
    if (fail || (every > 0 && this.#reportCalls % every === 0))
      throw new Error("report renderer unavailable");
    const { id, policyId, status, riskScore, total } = claim;
    return { id, policyId, status, riskScore, total, items: claim.items.length };
  }

  /** Readiness check: is the policy service answering? */
  async policyServiceIsUp(signal) {
    const response = await fetch(`${this.policyServiceUrl}/health`, { signal });
    return response.ok;
  }

  async #fetchPolicy(policyId) {
    const url = `${this.policyServiceUrl}/policies/${encodeURIComponent(policyId)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) throw new ClaimError(502, `policy service answered ${response.status}`);
    return response.json();
  }
}

// What `@traceFunction(...)` does in claim-service.ts: each call runs in a child span of the
// request's span; a thrown error or rejection is recorded on it and rethrown unchanged.
ClaimService.prototype.processClaim = traceFunction("process_claim", {
  attributes: (claim) => ({ "claim.id": claim.id, "claim.items": claim.items.length }),
})(ClaimService.prototype.processClaim);
ClaimService.prototype.buildReport = traceFunction("build_report")(
  ClaimService.prototype.buildReport,
);
