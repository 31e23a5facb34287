{{/*
The launcher options each role shares across its Pods, as argument files (`strata <role> @FILE`,
one option per line, # starts a comment). They live in the ConfigMap; only what differs per Pod
(its id, its advertised name, its rack) is on the container's command line.
*/}}

{{- define "strata.args.metadata" -}}
# strata metadata: every peer of the Raft group as ID=RAFT_HOST:PORT/API_HOST:PORT
--peers={{ include "strata.metadataPeers" . }}
--api-bind=0.0.0.0:{{ .Values.metadata.ports.api }}
# a subdirectory, so that the volume's own lost+found is not in the way
--data-dir=/var/lib/strata/metadata
--snapshot-every={{ int64 .Values.metadata.snapshotEvery }}
--node-lease-ms={{ int64 .Values.metadata.nodeLeaseMs }}
{{ include "strata.args.metrics" . }}
{{- range .Values.metadata.extraArgs }}
{{ . }}
{{- end }}
{{- end -}}

{{- define "strata.args.storage" -}}
# strata storage: listens on every interface; advertises its stable Pod DNS name (command line)
--bind=0.0.0.0:{{ .Values.storage.port }}
--metadata={{ include "strata.metadataApis" . }}
--data-dir=/var/lib/strata/data
--max-batch-bytes={{ int64 .Values.storage.maxBatchBytes }}
--replica-lag-max-ms={{ int64 .Values.storage.replicaLagMaxMs }}
{{ include "strata.args.metrics" . }}
{{- range .Values.storage.extraArgs }}
{{ . }}
{{- end }}
{{- end -}}

{{- define "strata.args.gateway" -}}
# strata gateway: the public API on every interface
--bind=0.0.0.0:{{ .Values.gateway.port }}
--metadata={{ include "strata.metadataApis" . }}
{{ include "strata.args.metrics" . }}
{{- range .Values.gateway.extraArgs }}
{{ . }}
{{- end }}
{{- end -}}

{{- define "strata.args.metrics" -}}
# Prometheus metrics at /metrics on every interface (the ServiceMonitor scrapes the port named metrics)
--metrics-bind=0.0.0.0:{{ .Values.metrics.port }}
--metrics-partition-limit={{ int64 .Values.metrics.partitionSeriesLimit }}
{{- end -}}
