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

{{- define "crisislen.secretName" -}}
{{- default (printf "%s-secrets" (include "crisislen.fullname" .)) .Values.secret.existingSecret }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is given. */}}
{{- define "crisislen.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}
