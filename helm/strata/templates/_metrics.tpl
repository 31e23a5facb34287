{{/*
The metrics port, declared on containers and Services only when a ServiceMonitor will scrape it
(the services serve Prometheus metrics on metrics.port at /metrics). Callers wrap them in
`with`, so that nothing, not even an empty line, is left when they are off.
*/}}

{{- define "strata.metricsContainerPort" -}}
{{- if .Values.metrics.serviceMonitor.enabled -}}
- name: metrics
  containerPort: {{ .Values.metrics.port }}
{{- end -}}
{{- end -}}

{{- define "strata.metricsServicePort" -}}
{{- if .Values.metrics.serviceMonitor.enabled -}}
- name: metrics
  port: {{ .Values.metrics.port }}
{{- end -}}
{{- end -}}
