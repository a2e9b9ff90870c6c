/** `traceFunction` typing only the TC39 standard dialect can check: the decorated member's kind.
 * (vitest cannot parse auto-accessors.) */
import { describe, it } from "vitest";
import { traceFunction } from "../../src/index.js";

describe("traceFunction under standard decorators", () => {
  it("rejects a class (it decorates methods only)", () => {
    // @ts-expect-error a class is not a method
    @traceFunction("class")
    class Service {}

    void Service;
  });

  it("rejects a getter (it would throw when the class is defined)", () => {
    class Service {
      // @ts-expect-error a getter is not a method
      @traceFunction("getter")
      get value(): number {
        return 1;
      }
    }
    void Service;
  });
});
