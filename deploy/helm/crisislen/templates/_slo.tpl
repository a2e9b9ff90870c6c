{{/*
The API's two SLOs as Prometheus rules, in sloth's naming (slo:sli_error:ratio_rate<window> with
sloth_id/sloth_service/sloth_slo labels, slo:objective:ratio, slo:error_budget:ratio, …), so
dashboards built for sloth read them. One template for both install paths: the chart renders it
from .Values.slo, and deploy/scripts/render-slo-rules.sh renders it for the kustomize overlays.

Input: a dict with
  slo        the `slo:` values block (availability.objective, latency.objective,
             latency.thresholdSeconds, latency.buckets)
  job        the Prometheus job (the Service name)
  namespace  the namespace the rules watch: every series is selected in it and labelled with it,
             so two environments in one Prometheus never mix their SLOs
The burn-rate windows and factors are the SRE workbook's for a 30-day period (2 % of the budget in
1h pages, 5 % in 6h pages, 10 % in 1d and in 3d open a ticket); they are not configurable because
the factors only mean that for 30 days.
*/}}

{{/* Fails with a message naming the value unless it is a ratio strictly between 0 and 1. */}}
{{- define "crisislen.slo.objective" -}}
{{- $value := float64 .value }}
{{- if or (not (or (kindIs "float64" .value) (kindIs "int64" .value) (kindIs "string" .value))) (le $value 0.0) (ge $value 1.0) }}
{{- fail (printf "crisislen: %s is %v; it must be a ratio strictly between 0 and 1, e.g. 0.999 for 99.9 %%" .name .value) }}
{{- end }}
{{- $value }}
{{- end }}

{{/*
The latency threshold as the `le` label matcher. Fails unless it is one of the buckets: a histogram
only counts requests up to a bound, so any other threshold has no series to read.
Prometheus 3 stores integer bounds as "1.0" where the app prints "1"; the matcher accepts both.
*/}}
{{- define "crisislen.slo.leMatcher" -}}
{{- $threshold := float64 .thresholdSeconds }}
{{- $bounds := list }}
{{- range .buckets }}{{ $bounds = append $bounds (float64 .) }}{{ end }}
{{- if or (empty .buckets) (le $threshold 0.0) (not (has $threshold $bounds)) }}
{{- fail (printf "crisislen: slo.latency.thresholdSeconds is %v, which is not one of slo.latency.buckets (%s). The latency SLI counts the requests in the histogram bucket le=\"<threshold>\", so the threshold must be a bucket bound the app emits: pick one of those, or add it to the app's durationBuckets option and to slo.latency.buckets" .thresholdSeconds (join " " .buckets)) }}
{{- end }}
{{- if eq $threshold (float64 (int64 $threshold)) -}}
le=~"{{ $threshold }}|{{ $threshold }}\\.0"
{{- else -}}
le="{{ $threshold }}"
{{- end }}
{{- end }}

{{- define "crisislen.slo.spec" -}}
{{- $job := .job }}
{{- $namespace := .namespace }}
{{- $availability := include "crisislen.slo.objective" (dict "name" "slo.availability.objective" "value" .slo.availability.objective) | float64 }}
{{- $latency := include "crisislen.slo.objective" (dict "name" "slo.latency.objective" "value" .slo.latency.objective) | float64 }}
{{- $le := include "crisislen.slo.leMatcher" .slo.latency }}
{{- $threshold := float64 .slo.latency.thresholdSeconds }}
{{- $scope := printf "job=%q, namespace=%q, endpoint!~\"/health/.*|/metrics\"" $job $namespace }}
{{- $slos := list
  (dict "kind" "availability" "title" "Availability" "objective" $availability
    "what" "answered with a 5xx"
    "sloText" (printf "%s %% without a 5xx" (mulf $availability 100 | printf "%.10g")))
  (dict "kind" "latency" "title" "Latency" "objective" $latency
    "what" (printf "slower than %v s" $threshold)
    "sloText" (printf "%s %% within %v s" (mulf $latency 100 | printf "%.10g") $threshold)) }}
{{- $windows := list "5m" "30m" "1h" "2h" "6h" "1d" "3d" }}
{{- /* Burn-rate alerts: long and short window, factor, for, and what that rate means for a 30-day budget. */}}
{{- $burns := list
  (dict "speed" "Fast" "severity" "critical" "sloth" "page" "long" "1h" "short" "5m" "factor" "14.4" "for" "2m" "cost" "2 % of the error budget per hour and runs out of it in about 2 days")
  (dict "speed" "Fast" "severity" "critical" "sloth" "page" "long" "6h" "short" "30m" "factor" "6" "for" "15m" "cost" "5 % of the error budget in 6 hours and runs out of it in 5 days")
  (dict "speed" "Slow" "severity" "warning" "sloth" "ticket" "long" "1d" "short" "2h" "factor" "3" "for" "1h" "cost" "10 % of the error budget in a day and runs out of it in 10 days")
  (dict "speed" "Slow" "severity" "warning" "sloth" "ticket" "long" "3d" "short" "6h" "factor" "1" "for" "3h" "cost" "10 % of the error budget in 3 days and has none left at the end of the 30 days") }}
groups:
{{- range $slo := $slos }}
{{- $name := printf "requests-%s" $slo.kind }}
{{- $id := printf "%s-%s" $job $name }}
{{- $ids := printf "sloth_id=%q, namespace=%q" $id $namespace }}
  # One group per SLO: Prometheus runs a group's rules in order, so the alerts read the ratios
  # recorded in the same evaluation.
  - name: {{ $id }}
    rules:
    {{- if eq $slo.kind "availability" }}
      # Share of requests answered 5xx. "or 0 *" gives 0 while no 5xx series exists yet; "> 0"
      # leaves no sample (rather than NaN) while there is no traffic.
    {{- else }}
      # Share of requests outside the threshold's bucket. "> 0" leaves no sample (rather than NaN)
      # while there is no traffic.
    {{- end }}
    {{- range $window := $windows }}
      - record: slo:sli_error:ratio_rate{{ $window }}
        expr: |
          {{- if eq $slo.kind "availability" }}
          (
            sum by (namespace, job) (rate(http_requests_total{ {{- $scope }}, status=~"5.."}[{{ $window }}]))
              or
            0 * sum by (namespace, job) (rate(http_requests_total{ {{- $scope }}}[{{ $window }}]))
          )
            /
          (sum by (namespace, job) (rate(http_requests_total{ {{- $scope }}}[{{ $window }}])) > 0)
          {{- else }}
          1 - (
            sum by (namespace, job) (
              rate(http_request_duration_seconds_bucket{ {{- $scope }}, {{ $le }}}[{{ $window }}])
            )
              /
            (sum by (namespace, job) (rate(http_request_duration_seconds_count{ {{- $scope }}}[{{ $window }}])) > 0)
          )
          {{- end }}
        labels:
          sloth_id: {{ $id }}
          sloth_service: {{ $job }}
          sloth_slo: {{ $name }}
          sloth_window: {{ $window }}
    {{- end }}
      # The period's ratio: the mean of the 5m ratios over 30 days, as sloth computes it.
      - record: slo:sli_error:ratio_rate30d
        expr: |
          sum_over_time(slo:sli_error:ratio_rate5m{ {{- $ids }}}[30d])
            / ignoring (sloth_window)
          count_over_time(slo:sli_error:ratio_rate5m{ {{- $ids }}}[30d])
        labels:
          sloth_id: {{ $id }}
          sloth_service: {{ $job }}
          sloth_slo: {{ $name }}
          sloth_window: 30d
      # Metadata, as sloth records it: objective, budget, burn rates, budget left.
      - record: slo:objective:ratio
        expr: vector({{ $slo.objective }})
        labels:
          {{- include "crisislen.slo.labels" (dict "id" $id "job" $job "name" $name "namespace" $namespace) | nindent 10 }}
      - record: slo:error_budget:ratio
        expr: vector({{ subf 1 $slo.objective }})
        labels:
          {{- include "crisislen.slo.labels" (dict "id" $id "job" $job "name" $name "namespace" $namespace) | nindent 10 }}
      - record: slo:time_period:days
        expr: vector(30)
        labels:
          {{- include "crisislen.slo.labels" (dict "id" $id "job" $job "name" $name "namespace" $namespace) | nindent 10 }}
      - record: slo:current_burn_rate:ratio
        expr: |
          slo:sli_error:ratio_rate5m{ {{- $ids }}}
            / on (sloth_id, sloth_service, sloth_slo) group_left ()
          slo:error_budget:ratio{ {{- $ids }}}
        labels:
          {{- include "crisislen.slo.labels" (dict "id" $id "job" $job "name" $name "namespace" $namespace) | nindent 10 }}
      - record: slo:period_burn_rate:ratio
        expr: |
          slo:sli_error:ratio_rate30d{ {{- $ids }}}
            / on (sloth_id, sloth_service, sloth_slo) group_left ()
          slo:error_budget:ratio{ {{- $ids }}}
        labels:
          {{- include "crisislen.slo.labels" (dict "id" $id "job" $job "name" $name "namespace" $namespace) | nindent 10 }}
      - record: slo:period_error_budget_remaining:ratio
        expr: 1 - slo:period_burn_rate:ratio{ {{- $ids }}}
        labels:
          {{- include "crisislen.slo.labels" (dict "id" $id "job" $job "name" $name "namespace" $namespace) | nindent 10 }}
      - record: sloth_slo_info
        expr: vector(1)
        labels:
          {{- include "crisislen.slo.labels" (dict "id" $id "job" $job "name" $name "namespace" $namespace) | nindent 10 }}
          sloth_objective: {{ mulf $slo.objective 100 | printf "%.10g" | quote }}
    {{- range $burn := $burns }}
    {{- $alert := printf "%sBudget%sBurn" $slo.title $burn.speed }}
      # Burn rate = error ratio / error budget; both windows above {{ $burn.factor }}×.
      - alert: {{ $alert }}
        expr: |
          (
            slo:sli_error:ratio_rate{{ $burn.long }}{ {{- $ids }}}
              / on (sloth_id, sloth_service, sloth_slo) group_left ()
            slo:error_budget:ratio{ {{- $ids }}}
          ) > {{ $burn.factor }}
          and ignoring (sloth_window)
          (
            slo:sli_error:ratio_rate{{ $burn.short }}{ {{- $ids }}}
              / on (sloth_id, sloth_service, sloth_slo) group_left ()
            slo:error_budget:ratio{ {{- $ids }}}
          ) > {{ $burn.factor }}
        for: {{ $burn.for }}
        labels:
          severity: {{ $burn.severity }}
          sloth_severity: {{ $burn.sloth }}
          long: {{ $burn.long }}
          short: {{ $burn.short }}
        annotations:
          summary: >-
            The {{ $slo.kind }} error budget burns more than {{ $burn.factor }}× as fast as the SLO allows
            ({{ $burn.long }} and {{ $burn.short }} windows).
          description: >-
            {{`{{ $labels.namespace }}/{{ $labels.job }}`}}: over the last {{ $burn.long }}, the share of requests
            {{ $slo.what }} was {{`{{ $value | printf "%.1f" }}`}}× what the SLO allows ({{ $slo.sloText }}
            over 30 days, health and metrics routes not counted), and still above {{ $burn.factor }}× over the
            last {{ $burn.short }}. At {{ $burn.factor }}× the API spends {{ $burn.cost }}.
          runbook_url: https://github.com/crisislen/observability/blob/main/deploy/README.md#{{ lower $alert }}
    {{- end }}
{{- end }}
{{- end }}

{{- define "crisislen.slo.labels" -}}
sloth_id: {{ .id }}
sloth_service: {{ .job }}
sloth_slo: {{ .name }}
namespace: {{ .namespace }}
{{- end }}
