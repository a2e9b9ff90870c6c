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

{{/* The app's Secret: existingSecret, or "<release>-secrets" (the subcharts' default existingSecret). */}}
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
Where the app sends traces: config.otel.exporterOtlpEndpoint, or the OTLP receiver's Service in
monitoring.namespace. The one place the endpoint is derived (a collector gateway changes monitoring.otlp).
*/}}
{{- define "crisislen.otlpEndpoint" -}}
{{- if .Values.config.otel.exporterOtlpEndpoint }}
{{- .Values.config.otel.exporterOtlpEndpoint }}
{{- else }}
{{- with .Values.monitoring }}
{{- printf "http://%s.%s.svc.cluster.local:%v" .otlp.service .namespace .otlp.port }}
{{- end }}
{{- end }}
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
