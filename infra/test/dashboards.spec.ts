import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { dashboardFiles, dashboardQueries, panelsOf } from './support/promql.js';
import { expectToolSuccess, INFRA_DIR, REPO_DIR, runTool } from './support/tools.js';

const PROVISIONING = join(INFRA_DIR, 'grafana', 'provisioning');
// tokenscope-slos is generated from infra/slo/slos.yaml (scripts/slo-rules.mjs)
const EXPECTED = ['tokenscope-cost', 'tokenscope-gpu', 'tokenscope-quality', 'tokenscope-serving', 'tokenscope-slos'];

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  jsonData?: { exemplarTraceIdDestinations?: Array<{ name: string; datasourceUid: string }> };
}

describe('Grafana dashboards', () => {
  const files = dashboardFiles();

  it('has the five dashboards, each with a stable uid, the tokenscope tag and unique panel ids', () => {
    expect(files.map((file) => file.dashboard.uid).sort()).toEqual(EXPECTED);
    for (const { name, dashboard } of files) {
      expect({ name, uid: dashboard.uid }).toEqual({ name, uid: name.replace(/\.json$/, '') });
      expect(dashboard.tags).toContain('tokenscope');
      const ids = dashboard.panels.flatMap((panel) => [panel.id, ...(panel.panels ?? []).map((p) => p.id)]);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('gives every panel the Prometheus datasource by uid and at least one query', () => {
    const problems: string[] = [];
    for (const { name, dashboard } of files) {
      for (const panel of panelsOf(dashboard)) {
        const where = `${name} › ${panel.title}`;
        if (panel.datasource?.uid !== 'prometheus') problems.push(`${where}: datasource uid is ${panel.datasource?.uid}`);
        if (!panel.gridPos) problems.push(`${where}: no gridPos`);
        const targets = panel.targets ?? [];
        if (targets.length === 0) problems.push(`${where}: no query`);
        for (const target of targets) {
          if (!target.expr?.trim()) problems.push(`${where} › ${target.refId}: empty expression`);
          if (target.datasource?.uid !== 'prometheus') problems.push(`${where} › ${target.refId}: datasource uid is ${target.datasource?.uid}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('shows exemplars (links to traces) on the latency and TTFT panels', () => {
    const serving = files.find((file) => file.dashboard.uid === 'tokenscope-serving')!.dashboard;
    const histogramPanels = panelsOf(serving).filter((panel) =>
      (panel.targets ?? []).some((target) => /llm_(request_latency|ttft)_seconds_bucket/.test(target.expr)),
    );
    expect(histogramPanels.length).toBeGreaterThanOrEqual(4);
    for (const panel of histogramPanels) expect({ panel: panel.title, exemplar: (panel.targets ?? []).some((t) => t.exemplar === true) }).toEqual({ panel: panel.title, exemplar: true });
  });

  it('only has panel queries that parse as PromQL (promtool check rules)', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(40);
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-dashboards-'));
    try {
      const file = join(dir, 'dashboard-queries.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard-queries', rules: queries.map((query, i) => ({ record: `dashboard_query_${i}`, expr: query.expr })) }] }));
      expectToolSuccess(runTool('promtool', ['check', 'rules', file]), 'promtool check rules (dashboard queries)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fills the model variable from a metric the gateway exports', () => {
    for (const { dashboard } of files) {
      for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
        expect(variable.definition).toBe('label_values(llm_requests_total, model)');
      }
    }
  });
});

describe('Grafana provisioning', () => {
  const datasources = (parse(readFileSync(join(PROVISIONING, 'datasources', 'datasources.yml'), 'utf8')) as { datasources: Datasource[] }).datasources;

  it('provisions Prometheus and Jaeger under the uids the dashboards use, with exemplars linking trace_id to Jaeger', () => {
    const prometheus = datasources.find((ds) => ds.type === 'prometheus')!;
    const jaeger = datasources.find((ds) => ds.type === 'jaeger')!;
    expect(prometheus).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    expect(jaeger).toMatchObject({ uid: 'jaeger', url: 'http://jaeger:16686' });
    expect(prometheus.jsonData?.exemplarTraceIdDestinations).toEqual([expect.objectContaining({ name: 'trace_id', datasourceUid: 'jaeger' })]);
  });

  it('loads dashboards from the folder docker-compose.yml mounts them at', () => {
    const providers = (parse(readFileSync(join(PROVISIONING, 'dashboards', 'dashboards.yml'), 'utf8')) as { providers: Array<{ options: { path: string } }> }).providers;
    const compose = readFileSync(join(REPO_DIR, 'docker-compose.yml'), 'utf8');
    expect(providers).toHaveLength(1);
    expect(compose).toContain(`./infra/grafana/dashboards:${providers[0]!.options.path}:ro`);
  });
});
