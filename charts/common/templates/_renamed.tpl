{{/*
Renamed values keys. A chart that renamed keys lists them in renamed-keys.yaml at its root
(the one table `chartkit schema` reads too, so the schema still admits each old key and
this check can name it):

  renamed:
    - key: service.name        old dotted path
      to: serviceName          new path (or a list of paths when one key became several)
      since: 2.0.0             chart version that renamed it
      form: list               optional: the key kept its name, but a list is its old form
      note: ...                optional: what else changes (<release> and <namespace> are
                               replaced by the release's full name and namespace)

Any old key present in the values fails rendering, naming every old key found, its new
name, and that `chartkit migrate <file>` rewrites them. common.metadata runs it, so an old
key is reported whichever object helm renders first.
Usage: include "common.renamedKeys.check" $
*/}}
{{- define "common.renamedKeys.check" -}}
{{- if .Files -}}
{{- $table := .Files.Get "renamed-keys.yaml" | fromYaml -}}
{{- $values := .Values -}}
{{- $found := list -}}
{{- $lines := list -}}
{{- range $entry := ($table.renamed | default list) -}}
{{- $node := $values -}}
{{- $present := true -}}
{{- range $part := splitList "." $entry.key -}}
{{- if and $present (kindIs "map" $node) (hasKey $node $part) -}}
{{- $node = get $node $part -}}
{{- else -}}
{{- $present = false -}}
{{- end -}}
{{- end -}}
{{- if and $present (eq (toString $entry.form) "list") -}}
{{- $present = kindIs "slice" $node -}}
{{- end -}}
{{- if $present -}}
{{- $to := toString $entry.to -}}
{{- if kindIs "slice" $entry.to -}}
{{- $to = join " and " $entry.to -}}
{{- end -}}
{{- $line := printf "%s is now %s" $entry.key $to -}}
{{- with $entry.since -}}
{{- $line = printf "%s (since %v)" $line . -}}
{{- end -}}
{{- if eq (toString $entry.form) "list" -}}
{{- $line = printf "%s (a list before)" $line -}}
{{- end -}}
{{- with $entry.note -}}
{{- $note := . | replace "<release>" (include "common.names.fullname" $) | replace "<namespace>" (include "common.names.namespace" $) -}}
{{- $line = printf "%s: %s" $line $note -}}
{{- end -}}
{{- $found = append $found $entry.key -}}
{{- $lines = append $lines (printf "  - %s" $line) -}}
{{- end -}}
{{- end -}}
{{- if $found -}}
{{- include "common.fail" (dict "field" (join ", " $found) "message" (printf "renamed in chart %s (see its renamed-keys.yaml):\n%s\n`chartkit migrate <values file>` rewrites them in place; or rename them by hand." .Chart.Name (join "\n" $lines))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
