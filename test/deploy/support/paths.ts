import { fileURLToPath } from "node:url";
import path from "node:path";

/** Absolute paths of the deploy assets, so tests read the same files whatever their cwd. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const deployDir = path.join(repoRoot, "deploy");
export const chartDir = path.join(deployDir, "helm/crisislen");
export const overlayDir = (env: "staging" | "production") =>
  path.join(deployDir, "k8s/overlays", env);
export const baseDir = path.join(deployDir, "k8s/base");
export const clusterIssuersDir = path.join(deployDir, "k8s/cluster-issuers");
export const monitoringDir = path.join(deployDir, "monitoring");
export const prometheusRuleFile = path.join(monitoringDir, "prometheus/prometheusrule.yaml");
export const alertTestsFile = path.join(monitoringDir, "prometheus/tests/alerts.test.yaml");
export const dashboardFile = path.join(monitoringDir, "grafana/crisislen-overview.json");
export const deployScript = path.join(deployDir, "scripts/deploy.sh");
export const fixturesDir = path.join(repoRoot, "test/deploy/fixtures");
/** An environment's monitoring kustomization: deploy/monitoring plus its SLO rules. */
export const monitoringOverlayDir = (env: "staging" | "production") =>
  path.join(overlayDir(env), "monitoring");
/** The SLO rules the production overlay applies (rendered from the chart's _slo.tpl, defaults). */
export const sloRuleFile = path.join(monitoringOverlayDir("production"), "slo-rules.yaml");
export const sloTestFiles = ["slo-burn.test.yaml", "slo-windows.test.yaml"].map((file) =>
  path.join(monitoringDir, "prometheus/tests", file),
);
export const renderSloScript = path.join(deployDir, "scripts/render-slo-rules.sh");
