import 'uplot/dist/uPlot.min.css';
import './style.css';
import { AccessError, api, type Settings, storedKey, storeKey } from './api.js';
import { detailView } from './detail.js';
import { h } from './format.js';
import { OverviewView } from './overview.js';
import { RequestsView } from './requests.js';

/** Every view polls this often while it is shown. */
const POLL_MS = 2000;

const app = document.getElementById('app')!;
const status = h('span', { class: 'status muted' });
const main = h('main');
let settings: Settings | undefined;
let overview: OverviewView | undefined;
let requests: RequestsView | undefined;
let timer: number | undefined;

function login(message: string): void {
  window.clearTimeout(timer);
  const input = h('input', { dataset: { login: 'key' } });
  input.type = 'password';
  input.placeholder = 'API key';
  input.autocomplete = 'off';
  const submit = h('button', { dataset: { login: 'submit' } }, 'Open the console');
  const problem = h('p', { class: 'problem', dataset: { login: 'problem' } }, message);
  const form = h(
    'form',
    { class: 'login card' },
    h('h2', {}, 'tokenscope console'),
    h('p', { class: 'muted' }, 'This service has API keys: the console needs an admin key. It is kept for this tab only.'),
    input,
    submit,
    problem,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    api
      .settings(key)
      .then((answer) => {
        storeKey(key);
        start(answer);
      })
      .catch((error: unknown) => {
        problem.textContent = error instanceof AccessError && error.status === 403 ? 'This key is valid but not an admin key.' : error instanceof AccessError ? 'This key is not valid.' : String(error);
      });
  });
  app.replaceChildren(form);
  input.focus();
}

function shell(): void {
  const who = settings?.caller.kind === 'key' ? settings.caller.userId : 'open access';
  const logout = h('button', { class: 'small' }, 'log out');
  logout.addEventListener('click', () => {
    storeKey(null);
    login('Logged out.');
  });
  app.replaceChildren(
    h(
      'header',
      {},
      h('span', { class: 'brand' }, 'tokenscope'),
      h('nav', {}, h('a', { href: '#/overview', dataset: { nav: 'overview' } }, 'Overview'), h('a', { href: '#/requests', dataset: { nav: 'requests' } }, 'Requests')),
      status,
      h('span', { class: 'who muted' }, who),
      settings?.caller.kind === 'key' ? logout : null,
    ),
    main,
  );
}

async function refresh(): Promise<void> {
  window.clearTimeout(timer);
  const route = location.hash.replace(/^#\/?/, '') || 'overview';
  for (const link of app.querySelectorAll<HTMLAnchorElement>('nav a')) link.classList.toggle('active', route.startsWith(link.dataset.nav ?? '-'));
  try {
    if (route === 'overview') {
      overview ??= new OverviewView();
      const data = await api.overview();
      if (main.firstChild !== overview.element) main.replaceChildren(overview.element);
      overview.show(data);
      requests?.knowModels(data.models.map((m) => m.model));
    } else if (route === 'requests') {
      requests ??= new RequestsView(() => void refresh());
      const rows = await api.requests(requests.filter);
      if (main.firstChild !== requests.element) main.replaceChildren(requests.element);
      requests.show(rows);
    } else if (route.startsWith('requests/')) {
      const detail = await api.request(decodeURIComponent(route.slice('requests/'.length)));
      main.replaceChildren(detailView(detail, settings?.isContentShown ?? false));
      status.textContent = '';
      return; // a finished request does not change: no polling
    }
    status.textContent = `updated ${new Date().toLocaleTimeString([], { hour12: false })}`;
    status.classList.remove('stale');
  } catch (error) {
    if (error instanceof AccessError) {
      storeKey(null);
      return login(error.status === 403 ? 'This key is valid but not an admin key.' : 'Your key is no longer accepted.');
    }
    status.textContent = `not updated: ${(error as Error).message}`;
    status.classList.add('stale');
  }
  timer = window.setTimeout(() => void refresh(), POLL_MS);
}

function start(answer: Settings): void {
  settings = answer;
  overview = undefined;
  requests = undefined;
  shell();
  void refresh();
}

window.addEventListener('hashchange', () => void refresh());
api
  .access()
  .then(({ isKeyRequired }) => {
    // no call that would be refused: a keyed service without a key in this tab starts at the login
    if (isKeyRequired && !storedKey()) return login('');
    return api.settings(storedKey()).then(start);
  })
  .catch((error: unknown) => {
    if (error instanceof AccessError) return login(storedKey() ? 'Your key is no longer accepted.' : '');
    app.replaceChildren(h('p', { class: 'problem' }, `The quality service did not answer: ${(error as Error).message}`));
  });
