{{/*
The metrics port. Every container serves Prometheus metrics on metrics.port at /metrics, so the
container port is always declared; the Services expose it only when a ServiceMonitor will scrape
it. Callers wrap them in `with`, so that nothing, not even an empty line, is left when they are off.
*/}}

{{- define "strata.metricsContainerPort" -}}
- name: metrics
  containerPort: {{ .Values.metrics.port }}
{{- end -}}

{{- define "strata.metricsServicePort" -}}
{{- if .Values.metrics.serviceMonitor.enabled -}}
- name: metrics
  port: {{ .Values.metrics.port }}
{{- end -}}
{{- end -}}
