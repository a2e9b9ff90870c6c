#!/usr/bin/env bash
# Deploys the CrisisLens API and its monitoring to the current kubectl context, in the nine steps of
# the original runbook. Idempotent: every step is an apply or an `upgrade --install`.
#
#   deploy/scripts/deploy.sh [--dry-run] staging|production
#
# Environment (all optional):
#   NAMESPACE             app namespace (default: crisislen, or crisislen-staging for staging); every
#                         app object, the databases and the monitoring objects go there
#   SECRETS_FILE          KEY=VALUE file with the app's own secrets, kept outside git
#                         (default: deploy/k8s/overlays/<env>/secrets.env; template: overlays/secrets.env.example)
#   DB_PASSWORDS_FILE     KEY=VALUE file with the database passwords only, kept outside git (default:
#                         deploy/k8s/overlays/<env>/db-passwords.env; template: overlays/db-passwords.env.example)
#   ALERTMANAGER_SECRETS_FILE  the Alertmanager receivers' credentials (default:
#                         deploy/monitoring/alertmanager-receivers.env; template: alertmanager-receivers.env.example)
#   KUBE_CONTEXT          kubectl/helm context to use (default: the current one)
#   MONITORING_NAMESPACE  where kube-prometheus-stack and Jaeger go (default: monitoring); the app's
#                         OTLP endpoint and its NetworkPolicy follow it
#   SKIP_MONITORING_STACK=1  keep an existing Prometheus Operator/Grafana/Jaeger; still applies our
#                         ServiceMonitor, alerts and dashboard
# Scale-out tiers (deploy/README.md, "Scaling out"), each off unless set:
#   OTEL_COLLECTOR_TIER=1 install the OpenTelemetry Collector agent (DaemonSet) and gateway (tail
#                         sampling) next to Jaeger, and send every trace of the app to the agent on
#                         its node; the gateway decides what Jaeger keeps
#   JAEGER_STORAGE        badger (default: one pod, a volume) or elasticsearch (two pods on
#                         Elasticsearch/OpenSearch; needs the Secret jaeger-elasticsearch in
#                         MONITORING_NAMESPACE, see monitoring/jaeger-elasticsearch-values.yaml)
#   METRICS_HA=1          two Prometheus replicas remote-writing, with exemplars, to a long-term store;
#                         needs CLUSTER_NAME (the `cluster` label) and REMOTE_WRITE_URL
#   ROLLOUT_TIMEOUT       default 300s; HELM_TIMEOUT default 10m
#   *_CHART_VERSION       pinned chart versions, see below (the ones test/deploy renders)
set -euo pipefail

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly DEPLOY_DIR

readonly POSTGRESQL_CHART_VERSION="${POSTGRESQL_CHART_VERSION:-17.1.0}"
readonly REDIS_CHART_VERSION="${REDIS_CHART_VERSION:-23.1.1}"
readonly KPS_CHART_VERSION="${KPS_CHART_VERSION:-88.5.3}"
readonly JAEGER_CHART_VERSION="${JAEGER_CHART_VERSION:-4.11.1}"
readonly OTEL_COLLECTOR_CHART_VERSION="${OTEL_COLLECTOR_CHART_VERSION:-0.170.0}"
readonly ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-300s}"
readonly HELM_TIMEOUT="${HELM_TIMEOUT:-10m}"
readonly MONITORING_NAMESPACE="${MONITORING_NAMESPACE:-monitoring}"
readonly OTEL_COLLECTOR_TIER="${OTEL_COLLECTOR_TIER:-0}"
readonly JAEGER_STORAGE="${JAEGER_STORAGE:-badger}"
readonly METRICS_HA="${METRICS_HA:-0}"
readonly JAEGER_ES_SECRET=jaeger-elasticsearch
readonly APP=crisislen-api
# Keys the app alone reads; must match overlays/secrets.env.example.
readonly REQUIRED_SECRET_KEYS=(SECRET_KEY)
# Keys the database charts read (and the app, for its URLs); must match overlays/db-passwords.env.example.
# Their Secret holds nothing else: the PostgreSQL pods mount every key of it.
readonly REQUIRED_DB_PASSWORD_KEYS=(POSTGRES_PASSWORD REDIS_PASSWORD)
# Mounted into Alertmanager (kube-prometheus-stack-values.yaml, alertmanagerSpec.secrets).
readonly ALERTMANAGER_SECRET=alertmanager-crisislen-receivers
readonly REQUIRED_ALERTMANAGER_KEYS=(pagerduty-routing-key slack-webhook-url)
readonly STEP_LABEL=crisislen.dev/deploy-step

usage() {
  echo "usage: $(basename "$0") [--dry-run] staging|production" >&2
  exit 2
}

die() {
  echo "deploy.sh: $*" >&2
  exit 1
}

DRY_RUN=0
ENVIRONMENT=""
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage ;;
    staging | production)
      [ -z "$ENVIRONMENT" ] || usage
      ENVIRONMENT="$arg"
      ;;
    *)
      echo "deploy.sh: unknown argument '$arg'" >&2
      usage
      ;;
  esac
done
[ -n "$ENVIRONMENT" ] || usage

readonly OVERLAY="$DEPLOY_DIR/k8s/overlays/$ENVIRONMENT"
if [ "$ENVIRONMENT" = production ]; then default_namespace=crisislen; else default_namespace=crisislen-staging; fi
readonly NAMESPACE="${NAMESPACE:-$default_namespace}"
readonly SECRETS_FILE="${SECRETS_FILE:-$OVERLAY/secrets.env}"
readonly DB_PASSWORDS_FILE="${DB_PASSWORDS_FILE:-$OVERLAY/db-passwords.env}"
readonly ALERTMANAGER_SECRETS_FILE="${ALERTMANAGER_SECRETS_FILE:-$DEPLOY_DIR/monitoring/alertmanager-receivers.env}"

kube_args=()
helm_args=()
if [ -n "${KUBE_CONTEXT:-}" ]; then
  kube_args=(--context "$KUBE_CONTEXT")
  helm_args=(--kube-context "$KUBE_CONTEXT")
fi

step_number=0
step() {
  step_number=$((step_number + 1))
  echo "==> [$step_number/9] $*"
}

# Runs a command, or only prints it with --dry-run. Never used for commands that carry secret values.
run() {
  if [ "$DRY_RUN" -eq 1 ]; then
    echo "+ $*"
  else
    "$@"
  fi
}

kube() { run kubectl "${kube_args[@]}" "$@"; }
helm_upgrade() { run helm upgrade --install "$@" "${helm_args[@]}" --wait --timeout "$HELM_TIMEOUT"; }
apply_step() { kube apply -k "$APP_KUSTOMIZATION" -l "$STEP_LABEL=$1"; }

# Refuses a missing file, a missing key, an empty value or a placeholder: a pod started with
# CHANGE_ME as its database password fails later and further from the cause.
check_env_file() {
  local file="$1" template="$2" key value
  shift 2
  [ -f "$file" ] || die "secrets file $file not found; copy $template there and fill it in"
  for key in "$@"; do
    grep -q "^$key=" "$file" || die "$file has no $key"
    value="$(sed -n "s/^$key=//p" "$file" | tail -n 1)"
    [ -n "$value" ] || die "$key in $file is empty"
    case "$value" in
      *CHANGE_ME* | *changeme* | *'<'*'>'*) die "$key in $file is still a placeholder; refusing to deploy" ;;
    esac
  done
}

# Before the split, secrets.env held the database passwords too; kustomize would then fail on the
# repeated key with a message about a "configmap", far from the cause.
check_no_db_passwords_in_secrets() {
  local key
  for key in "${REQUIRED_DB_PASSWORD_KEYS[@]}"; do
    if grep -q "^$key=" "$SECRETS_FILE"; then
      die "$key is in $SECRETS_FILE; it belongs in $DB_PASSWORDS_FILE only (the database pods read that file's Secret)"
    fi
  done
}

check_name() {
  [[ "$2" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "$1='$2' is not a valid namespace name"
}

check_tiers() {
  case "$OTEL_COLLECTOR_TIER" in 0 | 1) ;; *) die "OTEL_COLLECTOR_TIER='$OTEL_COLLECTOR_TIER' must be 0 or 1" ;; esac
  case "$METRICS_HA" in 0 | 1) ;; *) die "METRICS_HA='$METRICS_HA' must be 0 or 1" ;; esac
  case "$JAEGER_STORAGE" in
    badger | elasticsearch) ;;
    *) die "JAEGER_STORAGE='$JAEGER_STORAGE' must be badger or elasticsearch" ;;
  esac
  if [ "$METRICS_HA" = 1 ]; then
    [[ "${CLUSTER_NAME:-}" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] ||
      die "METRICS_HA=1 needs CLUSTER_NAME, unique per cluster (lower-case letters, digits, '-'), got '${CLUSTER_NAME:-}'"
    [[ "${REMOTE_WRITE_URL:-}" =~ ^https?://[^[:space:],]+$ ]] ||
      die "METRICS_HA=1 needs REMOTE_WRITE_URL, the long-term store's remote-write URL (http:// or https://), got '${REMOTE_WRITE_URL:-}'"
  fi
}

preflight() {
  command -v kubectl >/dev/null 2>&1 || die "kubectl not found on PATH"
  command -v helm >/dev/null 2>&1 || die "helm not found on PATH"
  [ -d "$OVERLAY" ] || die "no overlay at $OVERLAY"
  check_name NAMESPACE "$NAMESPACE"
  check_name MONITORING_NAMESPACE "$MONITORING_NAMESPACE"
  check_tiers
  check_env_file "$SECRETS_FILE" "$DEPLOY_DIR/k8s/overlays/secrets.env.example" "${REQUIRED_SECRET_KEYS[@]}"
  check_no_db_passwords_in_secrets
  check_env_file "$DB_PASSWORDS_FILE" "$DEPLOY_DIR/k8s/overlays/db-passwords.env.example" \
    "${REQUIRED_DB_PASSWORD_KEYS[@]}"
  if [ "${SKIP_MONITORING_STACK:-0}" != 1 ]; then
    check_env_file "$ALERTMANAGER_SECRETS_FILE" "$DEPLOY_DIR/monitoring/alertmanager-receivers.env.example" \
      "${REQUIRED_ALERTMANAGER_KEYS[@]}"
  fi
  if [ "$DRY_RUN" -eq 0 ]; then
    kubectl "${kube_args[@]}" version >/dev/null || die "cannot reach the cluster"
    kubectl "${kube_args[@]}" get crd clusterissuers.cert-manager.io >/dev/null 2>&1 ||
      die "cert-manager is not installed (CRD clusterissuers.cert-manager.io missing)"
    if [ "$JAEGER_STORAGE" = elasticsearch ] && [ "${SKIP_MONITORING_STACK:-0}" != 1 ]; then
      kubectl "${kube_args[@]}" -n "$MONITORING_NAMESPACE" get secret "$JAEGER_ES_SECRET" >/dev/null 2>&1 ||
        die "JAEGER_STORAGE=elasticsearch needs the Secret $JAEGER_ES_SECRET (key: password) in namespace $MONITORING_NAMESPACE"
    fi
  fi
}

# Where the app's spans go, the one place the kustomize path decides it (the chart's is its
# crisislen.otlpReceiver helper): the collector agent on the pod's node when the tier is on, with
# every trace exported (tail sampling needs whole traces), else Jaeger directly.
if [ "$OTEL_COLLECTOR_TIER" = 1 ]; then
  readonly OTLP_SERVICE=otel-agent OTLP_POD_NAME=opentelemetry-collector OTLP_POD_INSTANCE=otel-agent
else
  readonly OTLP_SERVICE=jaeger OTLP_POD_NAME=jaeger OTLP_POD_INSTANCE=jaeger
fi
readonly OTLP_ENDPOINT="http://$OTLP_SERVICE.$MONITORING_NAMESPACE.svc.cluster.local:4318"
TIER_LITERALS=""
if [ "$OTEL_COLLECTOR_TIER" = 1 ]; then
  TIER_LITERALS=$'\n      - OTEL_TRACES_SAMPLER=parentbased_always_on'
fi
readonly TIER_LITERALS

# The overlays as deployed: a copy of deploy/k8s (and deploy/monitoring, which the monitoring
# overlays include) with the two secrets files in place, wrapped in kustomizations that move every
# object to NAMESPACE and point the OTLP endpoint and the NetworkPolicy at the OTLP receiver in
# MONITORING_NAMESPACE. The SLO rules select their namespace's series: for another NAMESPACE they
# are rendered again from the overlay's slo-values.yaml. Removed on exit.
prepare_kustomization() {
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  cp -R "$DEPLOY_DIR/k8s" "$WORK/k8s"
  cp -R "$DEPLOY_DIR/monitoring" "$WORK/monitoring"
  install -m 600 "$SECRETS_FILE" "$WORK/k8s/overlays/$ENVIRONMENT/secrets.env"
  install -m 600 "$DB_PASSWORDS_FILE" "$WORK/k8s/overlays/$ENVIRONMENT/db-passwords.env"
  MONITORING_KUSTOMIZATION="$WORK/app-monitoring"
  mkdir "$MONITORING_KUSTOMIZATION"
  if [ "$NAMESPACE" != "$default_namespace" ]; then
    "$DEPLOY_DIR/scripts/render-slo-rules.sh" -n "$NAMESPACE" -f "$OVERLAY/monitoring/slo-values.yaml" \
      >"$WORK/k8s/overlays/$ENVIRONMENT/monitoring/slo-rules.yaml"
  fi
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s\nresources:\n  - %s\n' \
    "$NAMESPACE" "../k8s/overlays/$ENVIRONMENT/monitoring" >"$MONITORING_KUSTOMIZATION/kustomization.yaml"
  APP_KUSTOMIZATION="$WORK/app"
  mkdir "$APP_KUSTOMIZATION"
  local selector=/namespaceSelector/matchLabels/kubernetes.io~1metadata.name
  cat >"$APP_KUSTOMIZATION/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $NAMESPACE
resources:
  - ../k8s/overlays/$ENVIRONMENT
configMapGenerator:
  - name: $APP-config
    behavior: merge
    literals:
      - OTEL_EXPORTER_OTLP_ENDPOINT=$OTLP_ENDPOINT${TIER_LITERALS}
patches:
  - target:
      kind: NetworkPolicy
      name: $APP
    patch: |-
      - op: replace
        path: /spec/ingress/1/from/0$selector
        value: $MONITORING_NAMESPACE
      - op: replace
        path: /spec/egress/3/to/0$selector
        value: $MONITORING_NAMESPACE
      - op: replace
        path: /spec/egress/3/to/0/podSelector/matchLabels
        value:
          app.kubernetes.io/name: $OTLP_POD_NAME
          app.kubernetes.io/instance: $OTLP_POD_INSTANCE
EOF
}

# A Deployment applied from an older deployment.yaml (with `replicas: 3`) keeps the field in its
# last-applied annotation; the next apply would delete it and the API server would reset the
# Deployment to 1 replica. Rewriting the annotation from the current file first leaves the count to
# the HPA.
hand_replicas_to_hpa() {
  if [ "$DRY_RUN" -eq 1 ]; then
    echo "+ (if deployment/$APP was last applied with spec.replicas: kubectl apply set-last-applied)"
    return
  fi
  local last
  last="$(kubectl "${kube_args[@]}" -n "$NAMESPACE" get deployment "$APP" --ignore-not-found \
    -o 'jsonpath={.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}')"
  case "$last" in
    *'"replicas":'*)
      echo "Clearing spec.replicas from the last-applied configuration of deployment/$APP (the HPA owns it)"
      kubectl kustomize "$APP_KUSTOMIZATION" |
        awk 'BEGIN { RS = "\n---\n" } /(^|\n)kind: Deployment(\n|$)/ { print "---"; print }' \
          >"$WORK/deployment.yaml"
      kubectl "${kube_args[@]}" apply set-last-applied -f "$WORK/deployment.yaml"
      ;;
  esac
}

echo "Deploying CrisisLens ($ENVIRONMENT) to namespace $NAMESPACE$([ "$DRY_RUN" -eq 1 ] && echo ' (dry run)')"
preflight
prepare_kustomization

step "Namespace"
apply_step namespace

step "Config and secrets"
# The ConfigMap and the app's Secret (hash-suffixed: a change rolls the pods), and the fixed-name
# Secret with only the database passwords, which the bitnami charts read.
apply_step config

step "Databases (PostgreSQL, Redis)"
helm_upgrade crisislen-postgresql oci://registry-1.docker.io/bitnamicharts/postgresql \
  --version "$POSTGRESQL_CHART_VERSION" -n "$NAMESPACE" -f "$DEPLOY_DIR/k8s/databases/postgresql-values.yaml"
helm_upgrade crisislen-redis oci://registry-1.docker.io/bitnamicharts/redis \
  --version "$REDIS_CHART_VERSION" -n "$NAMESPACE" -f "$DEPLOY_DIR/k8s/databases/redis-values.yaml"

step "Application"
hand_replicas_to_hpa
apply_step app

step "Ingress"
kube apply -k "$DEPLOY_DIR/k8s/cluster-issuers"
apply_step ingress

step "Autoscaling"
if [ "$DRY_RUN" -eq 0 ] && ! kubectl "${kube_args[@]}" get apiservice v1beta1.metrics.k8s.io >/dev/null 2>&1; then
  echo "warning: metrics-server is not installed; the HPA will not scale until it is" >&2
fi
apply_step autoscaling

step "Monitoring (kube-prometheus-stack, Jaeger, alerts, dashboard)"
if [ "${SKIP_MONITORING_STACK:-0}" != 1 ]; then
  # The namespace, and the receivers' credentials mounted into Alertmanager (never in a values file).
  if [ "$DRY_RUN" -eq 1 ]; then
    echo "+ kubectl create namespace $MONITORING_NAMESPACE | kubectl apply"
    echo "+ kubectl -n $MONITORING_NAMESPACE create secret generic $ALERTMANAGER_SECRET --from-env-file=$ALERTMANAGER_SECRETS_FILE | kubectl apply"
  else
    kubectl "${kube_args[@]}" create namespace "$MONITORING_NAMESPACE" --dry-run=client -o yaml |
      kubectl "${kube_args[@]}" apply -f -
    kubectl "${kube_args[@]}" -n "$MONITORING_NAMESPACE" create secret generic "$ALERTMANAGER_SECRET" \
      --from-env-file="$ALERTMANAGER_SECRETS_FILE" --dry-run=client -o yaml |
      kubectl "${kube_args[@]}" apply -f -
  fi
  kps_values=(-f "$DEPLOY_DIR/monitoring/kube-prometheus-stack-values.yaml")
  if [ "$METRICS_HA" = 1 ]; then
    kps_values+=(-f "$DEPLOY_DIR/monitoring/kube-prometheus-stack-ha-values.yaml"
      --set-string "crisislen.cluster=$CLUSTER_NAME" --set-string "crisislen.environment=$ENVIRONMENT"
      --set-string "crisislen.remoteWriteUrl=$REMOTE_WRITE_URL")
  fi
  helm_upgrade kube-prometheus-stack kube-prometheus-stack \
    --repo https://prometheus-community.github.io/helm-charts --version "$KPS_CHART_VERSION" \
    -n "$MONITORING_NAMESPACE" "${kps_values[@]}"
  if [ "$JAEGER_STORAGE" = elasticsearch ]; then jaeger_values=jaeger-elasticsearch-values.yaml; else jaeger_values=jaeger-values.yaml; fi
  helm_upgrade jaeger jaeger \
    --repo https://jaegertracing.github.io/helm-charts --version "$JAEGER_CHART_VERSION" \
    -n "$MONITORING_NAMESPACE" -f "$DEPLOY_DIR/monitoring/$jaeger_values"
  if [ "$OTEL_COLLECTOR_TIER" = 1 ]; then
    # The gateway first: the agents resolve its headless Service to find their backends.
    for tier in gateway agent; do
      helm_upgrade "otel-$tier" opentelemetry-collector \
        --repo https://open-telemetry.github.io/opentelemetry-helm-charts --version "$OTEL_COLLECTOR_CHART_VERSION" \
        -n "$MONITORING_NAMESPACE" -f "$DEPLOY_DIR/monitoring/otel-collector/$tier-values.yaml"
    done
  fi
fi
# deploy/monitoring plus this environment's SLO rules. Server-side: the dashboard ConfigMap would
# overflow the last-applied annotation as it grows.
kube apply --server-side -n "$NAMESPACE" -k "$MONITORING_KUSTOMIZATION"

step "Waiting for the rollout"
kube -n "$NAMESPACE" rollout status "deployment/$APP" --timeout="$ROLLOUT_TIMEOUT"

step "Status"
kube -n "$NAMESPACE" get pods,services,ingresses,hpa
if [ "$DRY_RUN" -eq 0 ]; then
  kubectl "${kube_args[@]}" -n "$NAMESPACE" get certificates 2>/dev/null || true
fi
echo "Done."
