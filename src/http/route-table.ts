/**
 * Per-(endpoint, method) entries created once and then looked up with two cheap steps (a map
 * by endpoint, an array slot by method) — no key string built per request. Unknown methods
 * share the `_OTHER` slot.
 */
import { methodIndex, methodLabel, OTHER_METHOD_INDEX } from "./labels.js";

export class RouteTable<T> {
  readonly #byEndpoint = new Map<string, Array<T | undefined>>();

  /** @param create - builds the entry for a (folded) method label and an endpoint */
  constructor(private readonly create: (method: string, endpoint: string) => T) {}

  get(method: string | undefined, endpoint: string): T {
    let perMethod = this.#byEndpoint.get(endpoint);
    if (perMethod === undefined) {
      perMethod = new Array<T | undefined>(OTHER_METHOD_INDEX + 1);
      this.#byEndpoint.set(endpoint, perMethod);
    }
    const index = methodIndex(method);
    let entry = perMethod[index];
    if (entry === undefined) {
      entry = this.create(methodLabel(index), endpoint);
      perMethod[index] = entry;
    }
    return entry;
  }
}
