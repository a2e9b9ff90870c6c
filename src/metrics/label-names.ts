/**
 * The rules for the extra label names the two HTTP metrics may carry, in one place for the
 * `extraLabels` option of the integrations and `getMetrics({ extraLabelNames })`: a name that
 * breaks them would make the whole exposition unparseable, or silently fold into a built-in label.
 */
import { invalid } from "../kernel/validate.js";
import { RESERVED_LABEL_NAMES } from "./catalogue.js";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const ALLOWED =
  `a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") other than ` +
  RESERVED_LABEL_NAMES.join(", ");

/** Checks one extra label name; `option` names where it came from. */
export function checkExtraLabelName(option: string, name: unknown): string {
  if (
    typeof name !== "string" ||
    !LABEL_NAME.test(name) ||
    name.startsWith("__") ||
    RESERVED_LABEL_NAMES.includes(name)
  ) {
    throw invalid(option, ALLOWED, name);
  }
  return name;
}

/** Checks a list of extra label names: each valid, none twice. */
export function checkExtraLabelNames(option: string, names: unknown): string[] {
  if (!Array.isArray(names)) throw invalid(option, "an array of label names", names);
  const seen = new Set<string>();
  return (names as unknown[]).map((name, index) => {
    const checked = checkExtraLabelName(`${option}[${index}]`, name);
    if (seen.has(checked)) throw invalid(`${option}[${index}]`, "a name not given before", name);
    seen.add(checked);
    return checked;
  });
}
