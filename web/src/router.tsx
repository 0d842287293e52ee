/**
 * Client-side routes on the History API, without a router package: the server answers every
 * non-/api GET with index.html, so a reload or a shared link lands on the same page.
 */
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

export const ROUTES = {
  wallet: '/',
  signIn: '/sign-in',
  signUp: '/sign-up',
  security: '/security',
  transfer: '/transfer',
  cards: '/cards',
  collect: '/collect',
  credit: '/credit',
  notMe: '/not-me',
  records: '/records',
  agreementSign: '/agreements/sign',
  familyCard: '/family-card',
  emergency: '/security/emergency',
  recovery: '/recovery',
  recoveryCancel: '/recovery/cancel',
  ops: '/ops',
  inbox: '/inbox',
  console: '/console',
  payCode: '/pay-code',
  merchant: '/merchant',
  report: '/report',
} as const;

export interface Location {
  readonly pathname: string;
  readonly search: string;
}

/** Fired on `window` after navigate(): popstate only fires for the back and forward buttons. */
const NAVIGATE_EVENT = 'rampart:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

// A string snapshot, so useSyncExternalStore sees an unchanged location as equal.
const snapshot = (): string => `${window.location.pathname}${window.location.search}`;

/** The current path and query; re-renders on navigate() and the back/forward buttons. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const at = href.indexOf('?');
  return at < 0 ? { pathname: href, search: '' } : { pathname: href.slice(0, at), search: href.slice(at) };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
  window.scrollTo(0, 0);
}

export interface LinkProps extends AnchorHTMLAttributes<HTMLAnchorElement> {
  readonly to: string;
}

/** A real link (it opens in a new tab, can be copied) that navigates in place on a plain click. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const location = useLocation();
  function onLinkClick(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} onClick={onLinkClick} aria-current={location.pathname === to ? 'page' : undefined} {...rest}>
      {children}
    </a>
  );
}
