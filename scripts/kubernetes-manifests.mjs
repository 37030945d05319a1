#!/usr/bin/env node
// Generates the PrometheusRules and Grafana dashboard ConfigMaps of deploy/kubernetes/base from
// infra/prometheus/rules and infra/grafana/dashboards (infra/lib/kubernetes-manifests.mjs says why).
//   node scripts/kubernetes-manifests.mjs          write the files
//   node scripts/kubernetes-manifests.mjs --check  exit 1 when a committed file is out of date
import { writeOrCheck } from '../infra/lib/generated-files.mjs';
import { kubernetesOutputs } from '../infra/lib/kubernetes-manifests.mjs';

writeOrCheck(kubernetesOutputs(), {
  source: 'infra/prometheus/rules and infra/grafana/dashboards',
  command: 'node scripts/kubernetes-manifests.mjs',
  what: 'Kubernetes PrometheusRules and dashboard ConfigMaps are',
});
