/** Builds the sampler named by the option or `OTEL_TRACES_SAMPLER` (+ `_ARG`). */
import type { Sampler } from "@opentelemetry/sdk-trace-base";
import type { ResolvedConfig } from "./config.js";
import { loadSdk } from "./load.js";

export function buildSampler(config: ResolvedConfig): Sampler {
  if (typeof config.sampler !== "string") return config.sampler;
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } =
    loadSdk().base;
  switch (config.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(config.samplerArg);
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerArg) });
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
