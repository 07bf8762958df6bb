import type { SessionEndedError } from './api.js';
import { byId as element } from './dom.js';

/**
 * The card once its token is refused (expired, or no longer valid): its numbers may be stale, so
 * the actions are off and one button signs in again, which reloads the card and resumes the live
 * usage where it stopped.
 */

const actions = () => document.querySelectorAll<HTMLButtonElement>('[data-action]');

/** True from the refusal until a new sign-in: what an action that finishes meanwhile leaves disabled. */
export function isSessionEnded(): boolean {
  return element('dashboard').dataset.session === 'ended';
}

export function showSessionEnded(reason: SessionEndedError, signInAgain: () => Promise<void>): void {
  element('dashboard').dataset.session = 'ended';
  for (const button of actions()) button.disabled = true;
  element('session-ended-message').textContent = reason.expired ? 'Your session expired' : `You are signed out: ${reason.message}`;
  const error = element('session-ended-error');
  error.textContent = '';
  const button = element<HTMLButtonElement>('sign-in-again');
  button.disabled = false;
  button.onclick = () => {
    button.disabled = true;
    signInAgain().catch((failure: unknown) => {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
      button.disabled = false;
    });
  };
  element('session-ended').hidden = false;
  button.focus();
}

export function hideSessionEnded(): void {
  element('session-ended').hidden = true;
  delete element('dashboard').dataset.session;
  for (const button of actions()) button.disabled = false;
}
