import type { LatestSessionsQuery, Meter } from './generated/graphql.js';

/**
 * The latest generation sessions and what each cost, from `Account.sessions` (the server adds up
 * each session's entries). A tick of a session, or a generation of the card's (a reused step
 * writes no tick), means a session moved: the list is read again, once for a burst, so it shows
 * the server's figures rather than a sum kept here.
 */

type Session = NonNullable<LatestSessionsQuery['account']>['sessions']['edges'][number]['node'];

/** How long a burst of ticks (a hold, then its commit) is waited out before reading the list again. */
const RELOAD_AFTER_MS = 300;

const UNITS: Record<Meter, [one: string, many: string]> = { AI_CREDITS: ['AI credit', 'AI credits'], VIDEO_GENERATIONS: ['video', 'videos'] };
const formatNumber = new Intl.NumberFormat();

function cost(session: Session): string {
  const charged = session.charged.filter((charge) => charge.amount !== 0);
  if (charged.length === 0) return 'nothing charged';
  return charged.map(({ meter, amount }) => `${formatNumber.format(amount)} ${UNITS[meter][amount === 1 ? 0 : 1]}`).join(' · ');
}

function item(session: Session): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.session = session.sessionId;
  const name = document.createElement('span');
  name.className = 'what';
  name.textContent = `${session.sessionId} · ${session.generations} generation${session.generations === 1 ? '' : 's'}`;
  const charged = document.createElement('span');
  charged.className = 'cost';
  charged.textContent = cost(session);
  const time = document.createElement('time');
  time.dateTime = session.lastActivityAt;
  time.textContent = new Date(session.lastActivityAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  time.title = 'latest activity';
  li.append(name, charged, time);
  return li;
}

export type LatestSessions = {
  show(sessions: readonly Session[]): void;
  /** A session moved: read the list again shortly. */
  reloadSoon(): void;
};

export function createLatestSessions(list: HTMLElement, reload: () => void): LatestSessions {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    show(sessions) {
      if (sessions.length === 0) {
        const empty = document.createElement('li');
        empty.className = 'empty';
        empty.textContent = 'No generation sessions in the last 31 days.';
        list.replaceChildren(empty);
        return;
      }
      list.replaceChildren(...sessions.map(item));
    },
    reloadSoon() {
      clearTimeout(timer);
      timer = setTimeout(reload, RELOAD_AFTER_MS);
    },
  };
}
