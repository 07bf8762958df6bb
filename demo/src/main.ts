import { watchLiveUsage, type LiveTick, type LiveUsage } from '../../src/client/live-usage.js';
import { graphqlRequest, mintDemoToken, SessionEndedError } from './api.js';
import { byId as $ } from './dom.js';
import {
  GenerateDocument,
  LatestSessionsDocument,
  LiveCardDocument,
  UsageByDayDocument,
  type CardBalanceFragment as Balance,
  type GenerateMutation,
  type Meter,
  type TypedDocumentString,
} from './generated/graphql.js';
import { createLatestSessions } from './sessions.js';
import { hideSessionEnded, isSessionEnded, showSessionEnded } from './sign-in.js';
import { createUsageCharts } from './usage-chart.js';

/**
 * The live usage card: signs in with `?token=`, a pasted token or (development and test) the
 * server's demo user, shows the viewer's account and animates every credit tick as it arrives.
 * Its operations are in operations/*.graphql, typed by codegen into generated/.
 */

type GenerateResult = NonNullable<GenerateMutation['generate']>;

const METERS: readonly Meter[] = ['AI_CREDITS', 'VIDEO_GENERATIONS'];
const METER_LABELS: Record<Meter, string> = { AI_CREDITS: 'AI credits', VIDEO_GENERATIONS: 'Video generations' };
const FEED_SIZE = 8;
const ANIMATION_MS = 700;

const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

type MeterView = {
  balance: Balance;
  /** What the number shows right now (mid-animation, the current frame's value). */
  shown: number;
  animation: number | undefined;
  root: HTMLElement;
  number: HTMLElement;
  used: HTMLElement;
  allowance: HTMLElement;
  bar: HTMLElement;
  fill: HTMLElement;
  reset: HTMLElement;
};

type FeedItem = { seq: number; meter: Meter; kind: string; feature: string | null; member: string | null; delta: number; at: string };

const state = {
  token: '',
  /** True when the token came from `/demo/token`: signing in again gets a fresh one. */
  minted: false,
  /** The token was refused: nothing live until a new sign-in. */
  ended: false,
  /** A plain member of a pool, who sees its own usage only. */
  ownUsageOnly: false,
  accountId: '',
  /** The last `seq` received: signing in again to the account resumes after it. */
  lastSeq: 0,
  meters: new Map<Meter, MeterView>(),
  feed: [] as FeedItem[],
  live: undefined as LiveUsage | undefined,
};

// ---------------------------------------------------------------- HTTP

/** An operation with the session's token; a refused token ends the session of a signed-in card. */
async function request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<TResult> {
  try {
    return await graphqlRequest(state.token, document, variables);
  } catch (error) {
    if (error instanceof SessionEndedError && state.accountId) endSession(error);
    throw error;
  }
}

// ---------------------------------------------------------------- sign-in

async function signIn(token: string, minted: boolean): Promise<void> {
  const previous = { accountId: state.accountId, lastSeq: state.lastSeq };
  state.token = token.trim();
  state.minted = minted;
  state.accountId = '';
  const data = await request(LiveCardDocument, {});
  const account = data.viewer?.account;
  if (!account) throw new Error('This token has no account to show (a service token?): use a user token.');
  state.accountId = account.id;
  state.ownUsageOnly = data.viewer?.role === 'MEMBER' && account.kind === 'ORGANIZATION';

  const plan = $('plan');
  plan.textContent = account.plan.name;
  plan.dataset.tier = String(account.plan.tier);
  plan.title = `plan ${account.plan.key}`;
  plan.hidden = false;

  renderMeters(account.balances);
  await Promise.all([loadUsageCharts(), loadSessions()]);
  const entries = account.usage.edges.map(({ node }) => node);
  // Signing in again to the same account resumes the live usage after the last tick received.
  state.lastSeq = entries.reduce((last, entry) => Math.max(last, entry.seq), previous.accountId === account.id ? previous.lastSeq : 0);
  state.feed = entries.flatMap((entry) =>
    entry.changes.filter((change) => change.delta !== 0).map((change) => ({
      seq: entry.seq,
      meter: change.meter,
      kind: entry.kind,
      feature: entry.feature,
      member: entry.member?.externalId ?? null,
      delta: change.delta,
      at: entry.at,
    })),
  );
  renderFeed();

  $('signin').hidden = true;
  $('dashboard').hidden = false;
  state.ended = false;
  hideSessionEnded();
  connect();
}

async function loadUsageCharts(): Promise<void> {
  const { account } = await request(UsageByDayDocument, { accountId: state.accountId });
  const used = new Map([...state.meters].map(([meter, view]) => [meter, view.balance.used]));
  if (account) charts.show(account.usageSummary, { timeZone: account.timeZone, used, ownUsageOnly: state.ownUsageOnly });
}

async function loadSessions(): Promise<void> {
  const { account } = await request(LatestSessionsDocument, { accountId: state.accountId });
  sessions.show(account?.sessions.edges.map(({ node }) => node) ?? []);
}

/**
 * The token was refused (it expired): the live connection stops, the actions are off, and the
 * card offers to sign in again, with a new demo token when it had one, else the sign-in form.
 */
function endSession(reason: SessionEndedError): void {
  if (state.ended) return;
  state.ended = true;
  void state.live?.dispose();
  state.live = undefined;
  setConnection('offline', reason.expired ? 'session expired' : 'signed out');
  showSessionEnded(reason, async () => {
    if (state.minted) return signIn(await mintDemoToken(), true);
    $('signin-error').textContent = `${reason.message} Paste a new token, or use the demo user.`;
    $('signin').hidden = false;
    $('dashboard').hidden = true;
  });
}

// ---------------------------------------------------------------- live connection

function setConnection(status: 'connecting' | 'live' | 'reconnecting' | 'offline', detail?: string): void {
  const element = $('conn');
  element.dataset.state = status;
  const label = element.querySelector('span');
  if (label) label.textContent = detail ?? status;
}

/**
 * The live usage, through the project's client helper (src/client/live-usage.ts): it reconnects
 * by itself and resumes after the last tick received, so nothing is missed or repeated. The card
 * gives it the session's token; a token the server refused ends the session (sign in again).
 */
function connect(): void {
  void state.live?.dispose();
  state.live = watchLiveUsage({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    accountId: state.accountId,
    afterSeq: state.lastSeq,
    token: ({ refused }) => {
      if (refused) throw new SessionEndedError(refused.reason, /expired/i.test(refused.reason));
      return state.token;
    },
    onTick,
    onBalances: (balances) => {
      for (const balance of balances) {
        const view = state.meters.get(balance.meter);
        // Allowance and reset date from the balances; `available` is animated by the ticks.
        if (view) updateMeter(view, { ...balance, available: view.balance.available, used: view.balance.used });
      }
    },
    onState: (connection) => setConnection(connection),
    onError: (error) => (error.cause instanceof SessionEndedError ? endSession(error.cause) : setConnection('offline', error.message)),
  });
}

function onTick(tick: LiveTick): void {
  state.lastSeq = tick.seq;
  const view = state.meters.get(tick.meter);
  if (view) {
    updateMeter(view, { ...view.balance, available: tick.available, used: tick.used, reserved: tick.reserved, allowance: tick.allowance, unlimited: tick.unlimited }, tick.previousAvailable);
  }
  charts.onTick(tick);
  if (tick.sessionId !== null) sessions.reloadSoon();
  // A hold settled at its price (a COMMIT of 0), a meter the reset left at 0: nothing to show.
  if (tick.delta === 0) return;
  state.feed.unshift({
    seq: tick.seq,
    meter: tick.meter,
    kind: tick.kind,
    feature: tick.feature,
    member: tick.member?.externalId ?? null,
    delta: tick.delta,
    at: tick.at,
  });
  renderFeed();
}

// ---------------------------------------------------------------- meters

const charts = createUsageCharts($('usage-charts'), METER_LABELS, () => void loadUsageCharts().catch(() => undefined));
const sessions = createLatestSessions($('sessions'), () => void loadSessions().catch(() => undefined));

function renderMeters(balances: readonly Balance[]): void {
  const container = $('meters');
  container.replaceChildren();
  state.meters.clear();
  for (const meter of METERS) {
    const balance = balances.find((candidate) => candidate.meter === meter);
    if (!balance) continue;
    const root = document.createElement('article');
    root.className = 'meter';
    root.dataset.meter = meter;
    root.innerHTML = `
      <h3>${METER_LABELS[meter]}</h3>
      <p class="available"><span class="value" data-testid="available-${meter}" aria-live="polite" aria-atomic="true"></span> <span class="unit">available</span></p>
      <div class="bar" role="presentation"><div class="fill"></div></div>
      <dl>
        <div><dt>Used this period</dt><dd class="used"></dd></div>
        <div><dt>Allowance</dt><dd class="allowance"></dd></div>
        <div><dt>Resets</dt><dd class="reset"></dd></div>
      </dl>`;
    const find = (selector: string) => root.querySelector<HTMLElement>(selector) as HTMLElement;
    const view: MeterView = {
      balance,
      shown: balance.available,
      animation: undefined,
      root,
      number: find('.value'),
      used: find('.used'),
      allowance: find('.allowance'),
      bar: find('.bar'),
      fill: find('.fill'),
      reset: find('.reset'),
    };
    state.meters.set(meter, view);
    container.append(root);
    updateMeter(view, balance);
  }
}

const formatNumber = new Intl.NumberFormat();

function updateMeter(view: MeterView, balance: Balance, from?: number): void {
  view.balance = balance;
  view.used.textContent = formatNumber.format(balance.used);
  view.allowance.textContent = balance.unlimited ? 'unlimited' : formatNumber.format(balance.allowance);
  view.root.classList.toggle('empty', !balance.unlimited && balance.allowance === 0 && balance.available === 0);
  renderReset(view);
  const ratio = balance.unlimited ? 1 : balance.allowance > 0 ? Math.min(1, Math.max(0, balance.available / balance.allowance)) : 0;
  view.fill.style.transform = `scaleX(${ratio})`;
  view.root.classList.toggle('low', !balance.unlimited && ratio <= 0.2);
  if (from === undefined || from === balance.available) {
    if (view.animation === undefined) setShown(view, balance.available);
    return;
  }
  animate(view, from, balance.available);
}

function setShown(view: MeterView, value: number): void {
  view.shown = value;
  view.number.textContent = formatNumber.format(value);
}

/** Counts from `from` to `to`, starting on the next frame; with reduced motion, jumps there. */
function animate(view: MeterView, from: number, to: number): void {
  if (view.animation !== undefined) cancelAnimationFrame(view.animation);
  view.animation = requestAnimationFrame((start) => {
    if (reducedMotion.matches) {
      view.animation = undefined;
      setShown(view, to);
      return;
    }
    view.bar.classList.remove('pulse');
    void view.bar.offsetWidth; // restart the CSS animation
    view.bar.classList.add('pulse', to < from ? 'down' : 'up');
    view.number.setAttribute('aria-busy', 'true');
    const step = (now: number) => {
      const t = Math.min(1, (now - start) / ANIMATION_MS);
      const eased = 1 - (1 - t) ** 3;
      setShown(view, Math.round(from + (to - from) * eased));
      if (t < 1) {
        view.animation = requestAnimationFrame(step);
      } else {
        view.animation = undefined;
        view.number.removeAttribute('aria-busy');
        view.bar.classList.remove('up', 'down');
      }
    };
    step(start);
  });
}

function renderReset(view: MeterView): void {
  const at = new Date(view.balance.resetsAt);
  const left = at.getTime() - Date.now();
  const date = at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  view.reset.textContent = `${date} · in ${countdown(left)}`;
  view.reset.title = at.toISOString();
}

function countdown(ms: number): string {
  if (ms <= 0) return 'now';
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h ${minutes}m`;
  if (hours > 0) return `${hours}h ${minutes}m ${seconds % 60}s`;
  return `${minutes}m ${seconds % 60}s`;
}

// ---------------------------------------------------------------- feed

function renderFeed(): void {
  state.feed = state.feed.slice(0, FEED_SIZE);
  const feed = $('feed');
  feed.replaceChildren(
    ...state.feed.map((item) => {
      const li = document.createElement('li');
      li.dataset.seq = String(item.seq);
      const delta = document.createElement('span');
      delta.className = `delta ${item.delta < 0 ? 'minus' : item.delta > 0 ? 'plus' : ''}`;
      delta.textContent = `${item.delta > 0 ? '+' : ''}${item.delta} ${item.meter === 'AI_CREDITS' ? 'cr' : 'video'}`;
      const what = document.createElement('span');
      what.className = 'what';
      what.textContent = `${item.feature ?? item.kind.toLowerCase()}${item.member ? ` · ${item.member}` : ''}`;
      const time = document.createElement('time');
      time.dateTime = item.at;
      time.textContent = new Date(item.at).toLocaleTimeString();
      li.append(what, delta, time);
      return li;
    }),
  );
}

// ---------------------------------------------------------------- generations

const randomKey = () => (typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
/** The generation session of this visit to the card: what its buttons make is listed, with its cost, under the latest sessions. */
const VISIT_SESSION = `card-${randomKey().slice(0, 8)}`;

function generate(parameters: Record<string, unknown>, extra: { sessionId?: string; step?: string; prompt?: string } = {}) {
  return request(GenerateDocument, {
    input: {
      feature: 'image.generate',
      idempotencyKey: randomKey(),
      input: { prompt: extra.prompt ?? 'a red fox in the snow' },
      parameters,
      sessionId: extra.sessionId ?? VISIT_SESSION,
      step: extra.step,
    },
  }).then(({ generate }) => {
    if (!generate) throw new Error('The generation has no result.');
    return generate;
  });
}

function describe(result: GenerateResult): { text: string; error: boolean; upgrade?: string } {
  switch (result.__typename) {
    case 'GenerationSuccess': {
      const cost = result.charged.reduce((sum, charge) => sum + charge.amount, 0);
      return { text: `Generated${result.reused ? ' (unchanged step, reused)' : ''}: charged ${cost} credit${cost === 1 ? '' : 's'}.`, error: false };
    }
    case 'InsufficientCreditsError':
      // The message names the reset and the upgrade; the hint is also shown as a call to action.
      return { text: result.message, error: true, upgrade: result.upgrade?.message };
    default:
      return { text: result.message, error: true };
  }
}

function showResult(output: HTMLElement, { text, error, upgrade }: { text: string; error: boolean; upgrade?: string | undefined }): void {
  output.classList.toggle('error', error);
  const message = document.createElement('span');
  message.textContent = text;
  output.replaceChildren(message);
  if (upgrade) {
    const hint = document.createElement('strong');
    hint.className = 'upgrade';
    hint.dataset.testid = 'upgrade-hint';
    hint.textContent = upgrade;
    output.append(hint);
  }
}

async function runAction(action: string): Promise<GenerateResult> {
  switch (action) {
    case 'sd':
      return generate({ resolution: 'SD' });
    case 'hd':
      return generate({ resolution: 'HD' });
    case 'regen':
      // The same step with the same input: charged the first time, 0 on every regeneration.
      return generate({ resolution: 'SD' }, { sessionId: 'demo-session', step: 'hero-image', prompt: 'a lighthouse at dusk' });
    case 'exhaust': {
      // The largest batch until the pool refuses it with InsufficientCreditsError.
      let result: GenerateResult | undefined;
      for (let attempt = 0; attempt < 50; attempt += 1) {
        result = await generate({ resolution: '4K', count: 8 });
        if (result.__typename !== 'GenerationSuccess') break;
      }
      return result as GenerateResult;
    }
    default:
      throw new Error(`unknown action ${action}`);
  }
}

function wireActions(): void {
  const output = $('result');
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-action]')) {
    button.addEventListener('click', () => {
      const action = button.dataset.action ?? '';
      button.disabled = true;
      output.textContent = 'Generating…';
      output.classList.remove('error');
      runAction(action)
        .then((result) => {
          showResult(output, describe(result));
          sessions.reloadSoon();
        })
        .catch((error: unknown) => {
          output.textContent = error instanceof Error ? error.message : String(error);
          output.classList.add('error');
        })
        .finally(() => {
          button.disabled = isSessionEnded();
        });
    });
  }
}

// ---------------------------------------------------------------- start

function start(): void {
  wireActions();
  setInterval(() => state.meters.forEach(renderReset), 1000);

  const error = $('signin-error');
  const fail = (reason: unknown) => {
    error.textContent = reason instanceof Error ? reason.message : String(reason);
    $('signin').hidden = false;
    $('dashboard').hidden = true;
  };
  $<HTMLFormElement>('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $<HTMLInputElement>('token-input').value;
    if (token.trim()) signIn(token, false).catch(fail);
  });
  $('demo-token').addEventListener('click', () => {
    mintDemoToken()
      .then((token) => signIn(token, true))
      .catch(fail);
  });

  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    // Keep the token out of the address bar (and of screenshots and history).
    history.replaceState(null, '', location.pathname);
    signIn(fromUrl, false).catch(fail);
  }
}

start();
