/**
 * The claims service layer as a TypeScript user writes it: `claim-service.mjs` (what the runnable
 * examples import) is this class in plain JavaScript, with the wrapper form of `traceFunction`
 * instead of the decorators. Compiled with TC39 standard decorators (TypeScript ≥ 5, no
 * `experimentalDecorators`); `experimentalDecorators` projects (NestJS) use the same line.
 * `test/e2e/claim-service.test.ts` compiles it and checks that both versions behave alike.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { metrics, traceFunction } from "@crisislen/observability";

export interface ClaimItem {
  description: string;
  amount: number;
}

export interface Claim {
  id: string;
  policyId: string;
  items: ClaimItem[];
  total: number;
  status: "received" | "processed";
  riskScore: number | null;
}

export interface ClaimReport {
  id: string;
  policyId: string;
  status: Claim["status"];
  riskScore: number | null;
  total: number;
  items: number;
}

export interface ClaimServiceOptions {
  policyServiceUrl: string;
  /** How long the (simulated) risk model takes. @default 150 */
  scoringDelayMs?: number;
  /** Every Nth report fails with 500; 0: never. @default 10 */
  reportFailEvery?: number;
}

interface Policy {
  policyId: string;
  coverageLimit: number;
  active: boolean;
}

/** An error with the HTTP status the routes answer with. */
export class ClaimError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = "ClaimError";
  }
}

/** Risk score in 0–1: the claim's share of the policy's coverage, in hundredths. */
export function scoreClaim(total: number, coverageLimit: number): number {
  return Math.min(1, Math.round((total / coverageLimit) * 100) / 100);
}

function isItem(item: unknown): item is ClaimItem {
  const candidate = item as Partial<ClaimItem> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.description === "string" &&
    Number.isFinite(candidate.amount) &&
    (candidate.amount ?? 0) > 0
  );
}

export class ClaimService {
  readonly policyServiceUrl: string;
  readonly scoringDelayMs: number;
  readonly reportFailEvery: number;
  #claims = new Map<string, Claim>();
  #nextId = 1;
  #reportCalls = 0;

  constructor({
    policyServiceUrl,
    scoringDelayMs = 150,
    reportFailEvery = 10,
  }: ClaimServiceOptions) {
    this.policyServiceUrl = policyServiceUrl;
    this.scoringDelayMs = scoringDelayMs;
    this.reportFailEvery = reportFailEvery;
  }

  /** Stores a new claim; throws a 400 `ClaimError` for a malformed body. */
  createClaim(input: unknown): Claim {
    const body = input as { policyId?: unknown; items?: unknown } | null;
    const items = body?.items;
    if (typeof body?.policyId !== "string" || body.policyId === "")
      throw new ClaimError(400, "policyId must be a non-empty string");
    if (!Array.isArray(items) || items.length === 0 || items.length > 100 || !items.every(isItem))
      throw new ClaimError(
        400,
        "items must be 1–100 of { description: string, amount: number > 0 }",
      );
    const claim: Claim = {
      id: String(this.#nextId++),
      policyId: body.policyId,
      items: items.map(({ description, amount }) => ({ description, amount })),
      total: items.reduce((sum, item) => sum + item.amount, 0),
      status: "received",
      riskScore: null,
    };
    this.#claims.set(claim.id, claim);
    return claim;
  }

  /** The claim with this id, or a 404 `ClaimError`. */
  getClaim(id: string): Claim {
    const claim = this.#claims.get(id);
    if (claim === undefined) throw new ClaimError(404, `no claim ${id}`);
    return claim;
  }

  /**
   * The processing workflow: look the policy up (an outbound `fetch`), run the risk model, record
   * the score and the items. `crisislen_workflows_active` counts it while it runs.
   */
  @traceFunction("process_claim", {
    attributes: (claim: Claim) => ({ "claim.id": claim.id, "claim.items": claim.items.length }),
  })
  async processClaim(claim: Claim): Promise<Claim> {
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
  @traceFunction("build_report")
  buildReport(claim: Claim, { fail = false }: { fail?: boolean } = {}): ClaimReport {
    this.#reportCalls += 1;
    const every = this.reportFailEvery;
    if (fail || (every > 0 && this.#reportCalls % every === 0))
      throw new Error("report renderer unavailable");
    const { id, policyId, status, riskScore, total } = claim;
    return { id, policyId, status, riskScore, total, items: claim.items.length };
  }

  /** Readiness check: is the policy service answering? */
  async policyServiceIsUp(signal: AbortSignal): Promise<boolean> {
    const response = await fetch(`${this.policyServiceUrl}/health`, { signal });
    return response.ok;
  }

  async #fetchPolicy(policyId: string): Promise<Policy> {
    const url = `${this.policyServiceUrl}/policies/${encodeURIComponent(policyId)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) throw new ClaimError(502, `policy service answered ${response.status}`);
    return (await response.json()) as Policy;
  }
}
