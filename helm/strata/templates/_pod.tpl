{{/*
The parts of a Pod every role shares: security, scheduling, the config and /tmp volumes, and the
container's image, common environment, gRPC probes and resources. Each workload template adds
only its role's arguments, ports and data volume. Called with
(dict "root" $ "role" "storage" "values" .Values.storage "port" <gRPC port the probes check>).
*/}}

{{/* Pod template metadata: labels, and a checksum of the role's launcher options so that a config
     change rolls the Pods. */}}
{{- define "strata.podMetadata" -}}
labels:
  {{- include "strata.selectorLabels" . | nindent 2 }}
  app.kubernetes.io/part-of: strata
  {{- with .values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  checksum/config: {{ include (printf "strata.args.%s" .role) .root | sha256sum }}
  {{- with .values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/* Pod spec fields every role shares; a spread constraint without a labelSelector gets the role's. */}}
{{- define "strata.podSpec" -}}
serviceAccountName: {{ include "strata.serviceAccountName" .root }}
automountServiceAccountToken: false
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if ne .values.antiAffinity "none" }}
affinity:
  podAntiAffinity:
    {{- if eq .values.antiAffinity "hard" }}
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "strata.selectorLabels" . | nindent 12 }}
    {{- else }}
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "strata.selectorLabels" . | nindent 14 }}
    {{- end }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
{{- $constraints := list }}
{{- range . }}
{{- $c := deepCopy . }}
{{- if not $c.labelSelector }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" (include "strata.selectorLabels" $ | fromYaml)) }}
{{- end }}
{{- $constraints = append $constraints $c }}
{{- end }}
topologySpreadConstraints:
  {{- toYaml $constraints | nindent 2 }}
{{- end }}
volumes:
  # Only this role's launcher options: the others' listen addresses mean nothing in this Pod.
  - name: config
    configMap:
      name: {{ include "strata.fullname" .root }}-config
      items:
        - key: {{ .role }}.args
          path: {{ .role }}.args
  - name: tmp
    emptyDir:
      sizeLimit: {{ .root.Values.tmpSizeLimit }}
{{- end -}}

{{/* The container fields every role shares; the role adds name, args, ports and the data mount. */}}
{{- define "strata.containerCommon" -}}
image: {{ include "strata.image" .root }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
resources:
  {{- toYaml .values.resources | nindent 2 }}
{{- $probe := dict "grpc" (dict "port" (int .port)) }}
startupProbe:
  {{- toYaml (merge (dict) $probe .values.probes.startup) | nindent 2 }}
{{- /* Readiness asks for the service "strata.ready": a storage node answers SERVING there only
     once registered and every replica it holds is back in its ISR; liveness asks for the server. */}}
readinessProbe:
  {{- toYaml (merge (dict "grpc" (dict "port" (int .port) "service" "strata.ready")) .values.probes.readiness) | nindent 2 }}
livenessProbe:
  {{- toYaml (merge (dict) $probe .values.probes.liveness) | nindent 2 }}
{{- end -}}

{{/* Environment every role gets; it must come first, since later entries refer to
     $(STRATA_POD_NAME). The launcher reads STRATA_JAVA_OPTS and STRATA_LOG_LEVEL. */}}
{{- define "strata.commonEnv" -}}
- name: STRATA_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: STRATA_JAVA_OPTS
  value: {{ .values.javaOpts | quote }}
- name: STRATA_LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- end -}}

{{- define "strata.commonMounts" -}}
- name: config
  mountPath: /etc/strata
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* A PVC template named "data" for a StatefulSet. */}}
{{- define "strata.dataVolumeClaim" -}}
- metadata:
    name: data
    labels:
      {{- include "strata.selectorLabels" . | nindent 6 }}
  spec:
    accessModes: [ReadWriteOnce]
    {{- with .values.persistence.storageClassName }}
    storageClassName: {{ . }}
    {{- end }}
    resources:
      requests:
        storage: {{ .values.persistence.size }}
{{- end -}}
