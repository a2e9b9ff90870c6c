{{/* Chart name, overridable. */}}
{{- define "crisislen.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: the release name, plus the chart name unless the release name already contains it.
Also the Service name, hence the Prometheus `job` label the alerts select on.
*/}}
{{- define "crisislen.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "crisislen.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels (helm.sh best practices). */}}
{{- define "crisislen.labels" -}}
helm.sh/chart: {{ include "crisislen.chart" . }}
{{ include "crisislen.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: crisislen
{{- end }}

{{/*
Selector labels: only the immutable pair. A Deployment's selector can't change, so version or chart
labels in here would make every upgrade fail.
*/}}
{{- define "crisislen.selectorLabels" -}}
app.kubernetes.io/name: {{ include "crisislen.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "crisislen.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "crisislen.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "crisislen.configMapName" -}}
{{- printf "%s-config" (include "crisislen.fullname" .) }}
{{- end }}

{{/* The app's own Secret (SECRET_KEY): existingSecret, or "<release>-secrets". No database reads it. */}}
{{- define "crisislen.secretName" -}}
{{- default (printf "%s-secrets" .Release.Name) .Values.secret.existingSecret }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is given. */}}
{{- define "crisislen.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
A bitnami subchart's full name, computed as its common.names.fullname does: the release name when it
contains the chart name, else "<release>-<chart>". Its Services are named after it.
Call with (dict "chart" "postgresql" "values" .Values.postgresql "root" .).
*/}}
{{- define "crisislen.subchartFullname" -}}
{{- if .values.fullnameOverride }}
{{- .values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .chart .values.nameOverride }}
{{- $release := regexReplaceAll "(-?[^a-z\\d\\-])+-?" (lower .root.Release.Name) "-" }}
{{- if contains $name $release }}
{{- $release | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" $release $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The PostgreSQL primary's Service ("<subchart fullname>", port 5432 unless overridden). */}}
{{- define "crisislen.postgresqlHost" -}}
{{- include "crisislen.subchartFullname" (dict "chart" "postgresql" "values" .Values.postgresql "root" .) }}
{{- end }}
{{- define "crisislen.postgresqlPort" -}}
{{- dig "primary" "service" "ports" "postgresql" 5432 .Values.postgresql }}
{{- end }}

{{/* The Redis master's Service ("<subchart fullname>-master", port 6379 unless overridden). */}}
{{- define "crisislen.redisHost" -}}
{{- printf "%s-master" (include "crisislen.subchartFullname" (dict "chart" "redis" "values" .Values.redis "root" .)) }}
{{- end }}
{{- define "crisislen.redisPort" -}}
{{- dig "master" "service" "ports" "redis" 6379 .Values.redis }}
{{- end }}

{{/*
The in-cluster OTLP/HTTP receiver (service, port, podLabels) of the app's traces: the collector agent
when monitoring.collectorTier is on, else monitoring.otlp (Jaeger). The one place it is chosen; the
endpoint, the sampler and the NetworkPolicy's egress rule all follow it.
*/}}
{{- define "crisislen.otlpReceiver" -}}
{{- if .Values.monitoring.collectorTier.enabled }}
{{- toYaml .Values.monitoring.collectorTier.agent }}
{{- else }}
{{- toYaml .Values.monitoring.otlp }}
{{- end }}
{{- end }}

{{/*
Where the app sends traces: config.otel.exporterOtlpEndpoint, or the receiver's Service in
monitoring.namespace.
*/}}
{{- define "crisislen.otlpEndpoint" -}}
{{- if .Values.config.otel.exporterOtlpEndpoint }}
{{- .Values.config.otel.exporterOtlpEndpoint }}
{{- else }}
{{- $receiver := include "crisislen.otlpReceiver" . | fromYaml }}
{{- printf "http://%s.%s.svc.cluster.local:%v" $receiver.service .Values.monitoring.namespace $receiver.port }}
{{- end }}
{{- end }}

{{/* The head sampler: every trace when the collector tier samples at the tail, else config.otel's. */}}
{{- define "crisislen.tracesSampler" -}}
{{- ternary "parentbased_always_on" .Values.config.otel.tracesSampler .Values.monitoring.collectorTier.enabled }}
{{- end }}

{{/* A memory quantity ("4Gi", "512Mi", "4G", bytes) in MiB; fails on a form it can't read. */}}
{{- define "crisislen.mebibytes" -}}
{{- $q := toString .quantity }}
{{- $units := dict "Ki" 0.0009765625 "Mi" 1.0 "Gi" 1024.0 "Ti" 1048576.0 "k" 0.00095367431640625 "M" 0.95367431640625 "G" 953.67431640625 "T" 953674.31640625 }}
{{- $m := regexFind "^[0-9]+(\\.[0-9]+)?" $q }}
{{- $unit := trimPrefix $m $q }}
{{- if not $m }}
{{- fail (printf "crisislen: %s is %q, not a memory quantity (e.g. 4Gi)" .name $q) }}
{{- else if eq $unit "" }}
{{- divf (float64 $m) 1048576.0 }}
{{- else if hasKey $units $unit }}
{{- mulf (float64 $m) (get $units $unit) }}
{{- else }}
{{- fail (printf "crisislen: %s is %q; use Ki, Mi, Gi, Ti, k, M, G or T" .name $q) }}
{{- end }}
{{- end }}

{{/*
The Secret PostgreSQL reads its passwords from, as YAML: name (auth.existingSecret through tpl, as
the subchart renders it), key (the password of auth.username, which the app reads) and keys (every
key the subchart reads: the admin and user password keys). Follows the subchart's
postgresql.v1.secretName / userPasswordKey, global.postgresql.auth first, so the app and the
database can't read different Secrets or keys.
*/}}
{{- define "crisislen.postgresqlPasswordSecret" -}}
{{- $global := dig "postgresql" "auth" dict (.Values.global | default dict) }}
{{- $auth := .Values.postgresql.auth | default dict }}
{{- $name := tpl (coalesce (dig "existingSecret" "" $global) (dig "existingSecret" "" $auth) | default "" | toString) . }}
{{- $admin := coalesce (dig "secretKeys" "adminPasswordKey" "" $global) (dig "secretKeys" "adminPasswordKey" "" $auth) | default "" }}
{{- $user := coalesce (dig "secretKeys" "userPasswordKey" "" $global) (dig "secretKeys" "userPasswordKey" "" $auth) | default "" }}
{{- $username := coalesce (dig "username" "" $global) (dig "username" "" $auth) | default "" }}
{{- $key := ternary $admin $user (or (empty $username) (eq $username "postgres")) }}
{{- toYaml (dict "name" $name "key" $key "keys" (list $admin $user | compact | uniq)) }}
{{- end }}

{{/* The Secret Redis reads its password from (redis.secretName / secretPasswordKey), as YAML name, key, keys. */}}
{{- define "crisislen.redisPasswordSecret" -}}
{{- $auth := .Values.redis.auth | default dict }}
{{- $name := tpl (toString (dig "existingSecret" "" $auth)) . }}
{{- $key := ternary (dig "existingSecretPasswordKey" "" $auth) "redis-password" (and (not (empty $name)) (not (empty (dig "existingSecretPasswordKey" "" $auth)))) }}
{{- toYaml (dict "name" $name "key" $key "keys" (list $key)) }}
{{- end }}
