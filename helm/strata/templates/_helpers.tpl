{{/*
Names, labels and addresses shared by every template. Addresses are built here once so that the
metadata peer list, the storage nodes' advertised names and the Services always agree.
*/}}

{{- define "strata.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The object name prefix; role suffixes (-metadata, -storage, -gateway) must still fit 63 characters. */}}
{{- define "strata.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one role's objects: (dict "root" $ "role" "storage") -> <fullname>-storage */}}
{{- define "strata.roleName" -}}
{{- printf "%s-%s" (include "strata.fullname" .root) .role -}}
{{- end -}}

{{- define "strata.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object of a role: (dict "root" $ "role" "storage") */}}
{{- define "strata.labels" -}}
helm.sh/chart: {{ include "strata.chart" .root }}
{{ include "strata.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: strata
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The labels that select a role's Pods; never change them, selectors are immutable. */}}
{{- define "strata.selectorLabels" -}}
app.kubernetes.io/name: {{ include "strata.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "strata.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "strata.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "strata.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* DNS suffix of Pods behind a role's headless Service: .<svc>.<namespace>.svc.<domain> */}}
{{- define "strata.podDomain" -}}
{{- printf "%s.%s.svc.%s" (include "strata.roleName" .) .root.Release.Namespace .root.Values.clusterDomain -}}
{{- end -}}

{{/* Every metadata peer as the launcher's --peers wants it: ID=RAFT_HOST:PORT/API_HOST:PORT,...
     The peer id is the Pod name, so a peer finds its own id in $(STRATA_POD_NAME). */}}
{{- define "strata.metadataPeers" -}}
{{- $name := include "strata.roleName" (dict "root" . "role" "metadata") -}}
{{- $domain := include "strata.podDomain" (dict "root" . "role" "metadata") -}}
{{- $peers := list -}}
{{- range $i := until (int .Values.metadata.replicas) -}}
{{- $host := printf "%s-%d.%s" $name $i $domain -}}
{{- $peers = append $peers (printf "%s-%d=%s:%d/%s:%d" $name $i $host (int $.Values.metadata.ports.raft) $host (int $.Values.metadata.ports.api)) -}}
{{- end -}}
{{- join "," $peers -}}
{{- end -}}

{{/* The metadata API addresses storage nodes and gateways are given (--metadata). */}}
{{- define "strata.metadataApis" -}}
{{- $name := include "strata.roleName" (dict "root" . "role" "metadata") -}}
{{- $domain := include "strata.podDomain" (dict "root" . "role" "metadata") -}}
{{- $apis := list -}}
{{- range $i := until (int .Values.metadata.replicas) -}}
{{- $apis = append $apis (printf "%s-%d.%s:%d" $name $i $domain (int $.Values.metadata.ports.api)) -}}
{{- end -}}
{{- join "," $apis -}}
{{- end -}}
