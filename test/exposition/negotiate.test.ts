/**
 * Choosing Prometheus text or OpenMetrics from `Accept`, the way Prometheus's own Go client does
 * (client_golang's `expfmt.NegotiateIncludingOpenMetrics`): media ranges ranked by q (highest
 * first; on a tie a concrete type before a wildcard, then header order), and the first one we
 * can serve wins — `application/openmetrics-text` (any version) or `text/plain` without a
 * version or with 0.0.4. Wildcards select nothing; nothing acceptable means text. Beyond Go's
 * client: q=0 means "not acceptable" (RFC 9110), a q that is not a number drops its entry (a q
 * above 1 counts as 1, as in Go), names compare case-insensitively, and a quoted parameter may
 * hold a comma.
 */
import { describe, expect, it } from "vitest";
import { createExposition } from "../../src/exposition/handler.js";
import { negotiateFormat } from "../../src/exposition/negotiate.js";
import { Registry } from "prom-client";

const PROMETHEUS_SCRAPE =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75," +
  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

describe("negotiateFormat", () => {
  it.each([
    // what Prometheus itself sends (scrape_protocols default without protobuf)
    [PROMETHEUS_SCRAPE, "openmetrics"],
    // q decides, not presence
    ["text/plain;q=1, application/openmetrics-text;q=0.001", "text"],
    ["application/openmetrics-text;q=0.3, text/plain;q=0.7", "text"],
    ["text/plain;q=0.2, application/openmetrics-text;q=0.9", "openmetrics"],
    [
      "text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.6",
      "openmetrics",
    ],
    // equal q: the first listed
    ["text/plain, application/openmetrics-text", "text"],
    ["application/openmetrics-text, text/plain", "openmetrics"],
    ["text/plain;q=0.5, application/openmetrics-text;q=0.5", "text"],
    // a text version we do not serve is skipped
    ["text/plain;version=1.0.0, application/openmetrics-text;q=0.5", "openmetrics"],
    ["text/plain;version=1.0.0", "text"],
    // wildcards never select OpenMetrics, even ranked first
    ["*/*", "text"],
    ["application/*", "text"],
    ["*/*;q=1, application/openmetrics-text;q=0.5", "openmetrics"],
    ["application/*;q=1, text/plain;q=0.5", "text"],
    // q=0 is "not acceptable"
    ["application/openmetrics-text;q=0", "text"],
    ["application/openmetrics-text;q=0.000, text/plain;q=0.1", "text"],
    ["text/plain;q=0, application/openmetrics-text;q=0.1", "openmetrics"],
    // a q that is not a number, or negative, drops its entry; above 1 counts as 1 (as in Go)
    ["application/openmetrics-text;q=abc, text/plain;q=0.1", "text"],
    ["application/openmetrics-text;q=0x1, text/plain;q=0.1", "text"],
    ["application/openmetrics-text;q=-1, text/plain", "text"],
    ["application/openmetrics-text;q=, text/plain;q=0.5", "text"],
    ["application/openmetrics-text;q=1.5", "openmetrics"],
    ["application/openmetrics-text;q=1e309", "openmetrics"],
    ["text/plain, application/openmetrics-text;q=7", "text"],
    // case, whitespace, quoted parameters
    ["Application/OpenMetrics-Text; Q=0.9, text/plain;q=0.5", "openmetrics"],
    ["  text/plain ; q=0.5 ,\tapplication/openmetrics-text ; q=0.6 ", "openmetrics"],
    ['text/plain;note="a,b";q=0.1, application/openmetrics-text;q=0.2', "openmetrics"],
    ['text/plain;note="q=0.9";q=0.3, application/openmetrics-text;q=0.2', "text"],
    // several Accept headers are one list
    [["text/plain;q=0.1", "application/openmetrics-text"], "openmetrics"],
    // nothing we serve, nothing sent, garbage, or too long: text
    ["application/json", "text"],
    [undefined, "text"],
    ["", "text"],
    [";;;,,,application/x", "text"],
    ["application/openmetrics-text/extra", "text"],
    ["x".repeat(5000) + ",application/openmetrics-text", "text"],
  ] as const)("Accept %j → %s", (accept, expected) => {
    expect(negotiateFormat(accept as string | string[] | undefined)).toBe(expected);
  });
});

describe("the exposition endpoint", () => {
  it("answers a scraper that ranks text above OpenMetrics with text", async () => {
    const render = createExposition({ registry: new Registry() });
    const text = await render("GET", {
      accept: "text/plain;q=1, application/openmetrics-text;q=0.001",
    });
    expect(text.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const open = await render("GET", { accept: PROMETHEUS_SCRAPE });
    expect(open.headers["content-type"]).toBe(
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
    );
    expect(open.body.endsWith("# EOF\n")).toBe(true);
  });
});
