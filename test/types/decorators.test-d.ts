/**
 * `traceFunction` typing that holds in both decorator dialects: checked here under TC39 standard
 * decorators (the repo's tsconfig) and by legacy-dialect.test.ts under `experimentalDecorators`
 * + `emitDecoratorMetadata` (tsconfig.legacy.json).
 */
import { describe, expectTypeOf, it } from "vitest";
import { traceFunction } from "../../src/index.js";
import type { TraceDecorator } from "../../src/index.js";

interface Claim {
  id: string;
}

class ClaimService {
  @traceFunction("process_claim")
  async processClaim(claim: Claim, priority: number): Promise<Claim> {
    return { id: `${claim.id}:${priority}` };
  }

  @traceFunction("score", { attributes: (claim: Claim) => ({ "claim.id": claim.id }) })
  score(claim: Claim): number {
    return claim.id.length;
  }

  @traceFunction("lookup")
  static lookup(id: string): Claim {
    return { id };
  }

  // @ts-expect-error a field is not a method
  @traceFunction("field")
  field = 1;
}

describe("traceFunction as a method decorator (both dialects)", () => {
  it("keeps the decorated methods' types", () => {
    const service = new ClaimService();
    expectTypeOf(service.processClaim).toEqualTypeOf<
      (claim: Claim, priority: number) => Promise<Claim>
    >();
    expectTypeOf(service.score).toEqualTypeOf<(claim: Claim) => number>();
    expectTypeOf(ClaimService.lookup).toEqualTypeOf<(id: string) => Claim>();
  });

  it("is one TraceDecorator for every position", () => {
    expectTypeOf(traceFunction("x")).toEqualTypeOf<TraceDecorator>();
  });
});

describe("traceFunction as a function wrapper", () => {
  it("returns the wrapped function's exact type", () => {
    const double = traceFunction("double")((value: number) => value * 2);
    expectTypeOf(double).toEqualTypeOf<(value: number) => number>();
    const fetchClaim = traceFunction("fetch_claim")(async function fetchClaim(id: string) {
      return { id };
    });
    expectTypeOf(fetchClaim).toEqualTypeOf<(id: string) => Promise<{ id: string }>>();
  });

  it("rejects what is not a function", () => {
    // @ts-expect-error a number is not a function
    traceFunction("n")(42);
    // @ts-expect-error the span name is a string
    traceFunction(42);
  });
});
