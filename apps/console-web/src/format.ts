/** How numbers read on the page; raw values travel in data-value attributes for the tests. */

export function ms(value: number | null): string {
  if (value === null) return '–';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

export function usd(value: number | null): string {
  if (value === null) return '–';
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toFixed(6)}`;
  return `$${value.toFixed(2)}`;
}

export function perSecond(value: number): string {
  // a quiet window still shows its traffic: 4 requests in 15 minutes read 0.004, not 0.00
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
}

export function bytes(value: number | null): string {
  if (value === null) return '–';
  const gib = value / 1024 ** 3;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${(value / 1024 ** 2).toFixed(0)} MiB`;
}

export function time(epochMs: number): string {
  const d = new Date(epochMs);
  return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

/** Builds an element: `h('td', { class: 'x', dataset: { value: '1' } }, 'text', child)`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; title?: string; href?: string; target?: string; rel?: string; dataset?: Record<string, string>; style?: string } = {},
  ...children: Array<Node | string | null | undefined>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.title) element.title = props.title;
  if (props.style) element.setAttribute('style', props.style);
  if (props.href) element.setAttribute('href', props.href);
  if (props.target) element.setAttribute('target', props.target);
  if (props.rel) element.setAttribute('rel', props.rel);
  for (const [name, value] of Object.entries(props.dataset ?? {})) element.dataset[name] = value;
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}
