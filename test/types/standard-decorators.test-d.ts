/** `traceFunction` typing only the TC39 standard dialect can check: the decorated member's kind. (A getter is
 * not rejected by the types — it throws when the class is defined — and vitest cannot parse
 * auto-accessors.) */
import { describe, it } from "vitest";
import { traceFunction } from "../../src/index.js";

describe("traceFunction under standard decorators", () => {
  it("rejects a class (it decorates methods only)", () => {
    // @ts-expect-error a class is not a method
    @traceFunction("class")
    class Service {}

    void Service;
  });
});
