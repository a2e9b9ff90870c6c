import { helmTemplate } from "./helm.js";
import { kustomize, kustomizeOverlay } from "./kustomize.js";
import type { KubeObject } from "./manifests.js";
import { clusterIssuersDir, monitoringDir, monitoringOverlayDir } from "./paths.js";

/** Every object set the deploy folder produces, by a label used in test names and errors. */
export async function allRenderedSets(): Promise<Record<string, KubeObject[]>> {
  const [
    helmDefault,
    helmProduction,
    staging,
    production,
    monitoring,
    stagingMonitoring,
    productionMonitoring,
    issuers,
  ] = await Promise.all([
    helmTemplate(),
    helmTemplate({ release: "crisislen-api", valuesFiles: ["values-production.yaml"] }),
    kustomizeOverlay("staging"),
    kustomizeOverlay("production"),
    kustomize(monitoringDir),
    kustomize(monitoringOverlayDir("staging")),
    kustomize(monitoringOverlayDir("production")),
    kustomize(clusterIssuersDir),
  ]);
  return {
    "helm (default values)": helmDefault,
    "helm (production values)": helmProduction,
    "kustomize overlays/staging": staging,
    "kustomize overlays/production": production,
    "kustomize monitoring": monitoring,
    "kustomize overlays/staging/monitoring": stagingMonitoring,
    "kustomize overlays/production/monitoring": productionMonitoring,
    "kustomize cluster-issuers": issuers,
  };
}
