#!/usr/bin/env node
// Generates the SLO rules (infra/prometheus/rules/slo.yml), their Kubernetes PrometheusRule copy
// and the Grafana dashboard "SLOs" from infra/slo/slos.yaml, so that none of them drifts from the
// SLO definitions (infra/lib/slo-rules.mjs says how).
//   node scripts/slo-rules.mjs          write the files
//   node scripts/slo-rules.mjs --check  exit 1 when a committed file is out of date
import { writeOrCheck } from '../infra/lib/generated-files.mjs';
import { sloOutputs } from '../infra/lib/slo-rules.mjs';

writeOrCheck(sloOutputs(), { source: 'infra/slo/slos.yaml', command: 'node scripts/slo-rules.mjs', what: 'SLO rules, PrometheusRule and dashboard are' });
