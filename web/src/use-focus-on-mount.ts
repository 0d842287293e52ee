import { type RefObject, useEffect, useRef } from 'react';

/** Moves focus to the returned element (a heading with tabIndex=-1) when the page mounts after a
 *  change of view, so keyboard and screen-reader users land on the new page's title
 *  (WCAG 2.2 SC 2.4.3 Focus Order). Not on first load: the browser starts at the top anyway. */
export function useFocusOnMount<T extends HTMLElement>(enabled: boolean): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (enabled) ref.current?.focus();
  }, [enabled]);
  return ref;
}
