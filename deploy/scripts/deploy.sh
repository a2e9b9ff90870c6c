#!/usr/bin/env bash
# Deploys the CrisisLens API and its monitoring to the current kubectl context, in the nine steps of
# the original runbook. Idempotent: every step is an apply or an `upgrade --install`.
#
#   deploy/scripts/deploy.sh [--dry-run] staging|production
#
# Environment (all optional):
#   NAMESPACE             app namespace (default: crisislen, or crisislen-staging for staging)
#   SECRETS_FILE          KEY=VALUE file with the app's secrets, kept outside git
#                         (default: deploy/k8s/overlays/<env>/secrets.env; template: overlays/secrets.env.example)
#   KUBE_CONTEXT          kubectl/helm context to use (default: the current one)
#   MONITORING_NAMESPACE  where kube-prometheus-stack and Jaeger go (default: monitoring)
#   SKIP_MONITORING_STACK=1  keep an existing Prometheus Operator/Grafana/Jaeger; still applies our
#                         ServiceMonitor, alerts and dashboard
#   ROLLOUT_TIMEOUT       default 300s; HELM_TIMEOUT default 10m
#   *_CHART_VERSION       pinned chart versions, see below
set -euo pipefail

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly DEPLOY_DIR

readonly POSTGRESQL_CHART_VERSION="${POSTGRESQL_CHART_VERSION:-17.1.0}"
readonly REDIS_CHART_VERSION="${REDIS_CHART_VERSION:-23.1.1}"
readonly KPS_CHART_VERSION="${KPS_CHART_VERSION:-88.5.3}"
readonly JAEGER_CHART_VERSION="${JAEGER_CHART_VERSION:-4.0.0}"
readonly ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-300s}"
readonly HELM_TIMEOUT="${HELM_TIMEOUT:-10m}"
readonly MONITORING_NAMESPACE="${MONITORING_NAMESPACE:-monitoring}"
readonly APP=crisislen-api
# Keys the Deployment and the database charts read; must match deploy/k8s/base/secret.yaml.
readonly REQUIRED_SECRET_KEYS=(DATABASE_URL REDIS_URL SECRET_KEY POSTGRES_PASSWORD REDIS_PASSWORD)
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
apply_step() { kube apply -k "$OVERLAY" -l "$STEP_LABEL=$1"; }

# Refuses a missing secrets file, a missing key, an empty value or a placeholder: a pod started with
# CHANGE_ME as its database password fails later and further from the cause.
check_secrets() {
  [ -f "$SECRETS_FILE" ] || die "secrets file $SECRETS_FILE not found; copy $DEPLOY_DIR/k8s/overlays/secrets.env.example there and fill it in"
  local key value
  for key in "${REQUIRED_SECRET_KEYS[@]}"; do
    grep -q "^$key=" "$SECRETS_FILE" || die "$SECRETS_FILE has no $key"
    value="$(sed -n "s/^$key=//p" "$SECRETS_FILE" | tail -n 1)"
    [ -n "$value" ] || die "$key in $SECRETS_FILE is empty"
    case "$value" in
      *CHANGE_ME* | *changeme* | *'<'*'>'*) die "$key in $SECRETS_FILE is still a placeholder; refusing to deploy" ;;
    esac
  done
}

preflight() {
  command -v kubectl >/dev/null 2>&1 || die "kubectl not found on PATH"
  command -v helm >/dev/null 2>&1 || die "helm not found on PATH"
  [ -d "$OVERLAY" ] || die "no overlay at $OVERLAY"
  check_secrets
  if [ "$DRY_RUN" -eq 0 ]; then
    kubectl "${kube_args[@]}" version >/dev/null || die "cannot reach the cluster"
    kubectl "${kube_args[@]}" get crd clusterissuers.cert-manager.io >/dev/null 2>&1 ||
      die "cert-manager is not installed (CRD clusterissuers.cert-manager.io missing)"
  fi
}

echo "Deploying CrisisLens ($ENVIRONMENT) to namespace $NAMESPACE$([ "$DRY_RUN" -eq 1 ] && echo ' (dry run)')"
preflight

step "Namespace"
apply_step namespace

step "Config and secrets"
apply_step config
if [ "$DRY_RUN" -eq 1 ]; then
  echo "+ kubectl create secret generic $APP-secrets --from-env-file=$SECRETS_FILE | kubectl apply"
else
  kubectl "${kube_args[@]}" -n "$NAMESPACE" create secret generic "$APP-secrets" \
    --from-env-file="$SECRETS_FILE" --dry-run=client -o yaml |
    kubectl label --local -f - "app.kubernetes.io/part-of=crisislen" -o yaml |
    kubectl "${kube_args[@]}" apply -f -
fi

step "Databases (PostgreSQL, Redis)"
helm_upgrade crisislen-postgresql oci://registry-1.docker.io/bitnamicharts/postgresql \
  --version "$POSTGRESQL_CHART_VERSION" -n "$NAMESPACE" -f "$DEPLOY_DIR/k8s/databases/postgresql-values.yaml"
helm_upgrade crisislen-redis oci://registry-1.docker.io/bitnamicharts/redis \
  --version "$REDIS_CHART_VERSION" -n "$NAMESPACE" -f "$DEPLOY_DIR/k8s/databases/redis-values.yaml"

step "Application"
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
  helm_upgrade kube-prometheus-stack kube-prometheus-stack \
    --repo https://prometheus-community.github.io/helm-charts --version "$KPS_CHART_VERSION" \
    -n "$MONITORING_NAMESPACE" --create-namespace -f "$DEPLOY_DIR/monitoring/kube-prometheus-stack-values.yaml"
  helm_upgrade jaeger jaeger \
    --repo https://jaegertracing.github.io/helm-charts --version "$JAEGER_CHART_VERSION" \
    -n "$MONITORING_NAMESPACE" -f "$DEPLOY_DIR/monitoring/jaeger-values.yaml"
fi
# deploy/monitoring plus this environment's SLO rules. Server-side: the dashboard ConfigMap would
# overflow the last-applied annotation as it grows.
kube apply --server-side -n "$NAMESPACE" -k "$OVERLAY/monitoring"

step "Waiting for the rollout"
kube -n "$NAMESPACE" rollout status "deployment/$APP" --timeout="$ROLLOUT_TIMEOUT"

step "Status"
kube -n "$NAMESPACE" get pods,services,ingresses,hpa
if [ "$DRY_RUN" -eq 0 ]; then
  kubectl "${kube_args[@]}" -n "$NAMESPACE" get certificates 2>/dev/null || true
fi
echo "Done."
