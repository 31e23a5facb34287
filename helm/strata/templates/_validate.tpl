{{/*
Checks across values that values.schema.json cannot express; each failure says what to change.
*/}}
{{- define "strata.validate" -}}
{{- with .Values.gateway.autoscaling -}}
{{- if and .enabled (gt (int .minReplicas) (int .maxReplicas)) -}}
{{- fail (printf "gateway.autoscaling.minReplicas (%d) is above maxReplicas (%d); lower minReplicas or raise maxReplicas" (int .minReplicas) (int .maxReplicas)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
