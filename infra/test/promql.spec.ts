import { expandGrafanaVariables, metricNamesOf, selectorsOf } from './support/promql.js';
import { durationSeconds, shortenRuleText } from './support/rules.js';

describe(selectorsOf.name, () => {
  it('finds the selectors of an alert with grouping, ranges and a guard', () => {
    const expr = `model:llm_requests_errors:ratio_rate5m > 0.05
      and on (model) sum by (model) (rate(llm_requests_total{status="error", model=~"a|b"}[5m] offset 1m)) >= 0.1`;
    expect(selectorsOf(expr)).toEqual(['model:llm_requests_errors:ratio_rate5m', 'llm_requests_total{status="error", model=~"a|b"}']);
  });

  it('ignores functions, keywords, numbers and strings', () => {
    expect(selectorsOf('histogram_quantile(0.95, sum without (instance) (rate(x_bucket[1m]))) > 1e3 or vector(0)')).toEqual(['x_bucket']);
    expect(selectorsOf('absent(up{job="gateway"}) or absent(up{job="a}b"})')).toEqual(['up{job="gateway"}', 'up{job="a}b"}']);
    expect(selectorsOf('topk(10, max by (user_id) (llm_cost_by_user_dollars))')).toEqual(['llm_cost_by_user_dollars']);
    expect(selectorsOf('label_replace(up, "a", "$1", "job", "(.*)")')).toEqual(['up']);
  });

  it('gives the metric names', () => {
    expect(metricNamesOf('a{x="1"} / on () b and {__name__="c"}')).toEqual(['a', 'b']);
  });
});

describe(expandGrafanaVariables.name, () => {
  it('expands the variables the dashboards use and refuses unknown ones', () => {
    expect(expandGrafanaVariables('rate(x{model=~"$model"}[$__rate_interval]) * ${__range}')).toBe('rate(x{model=~".*"}[30s]) * 2m');
    expect(() => expandGrafanaVariables('x{a="$nope"}')).toThrow(/unknown Grafana variable/);
  });
});

describe(shortenRuleText.name, () => {
  it('shortens range windows and `for:` and leaves the rest alone', () => {
    const text = ['      - alert: A', '        expr: rate(x[5m]) > 1 and y[1h:5m]', '        for: 10m', "        summary: 'for: 5m [sic]'"].join('\n');
    const shortened = shortenRuleText(text, { window: (s) => s / 10, holdFor: (s) => s / 100 });
    expect(shortened).toBe(['      - alert: A', '        expr: rate(x[30s]) > 1 and y[360s:30s]', '        for: 6s', "        summary: 'for: 5m [sic]'"].join('\n'));
  });

  it('reads Prometheus durations', () => {
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(() => durationSeconds('5 minutes')).toThrow();
  });
});
