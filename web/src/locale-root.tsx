/**
 * The language the app speaks, switchable at run time (issue 9 point 2). The first choice is a
 * language picked earlier on this browser, else the browser's own languages (unknown → English);
 * once signed in, a language the person picked in the app wins. Every API call sends it as
 * Accept-Language, so server messages and errors come in the same language.
 */
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { setRequestLocale } from './api.ts';
import { createI18n, I18nContext, LOCALES, type Locale, pickLocale } from './i18n.ts';

const STORAGE_KEY = 'rampart.locale';

function storedLocale(): Locale | null {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return LOCALES.find((l) => l === value) ?? null;
  } catch {
    return null; // storage blocked: the browser's languages decide
  }
}

export function initialLocale(): Locale {
  return (
    storedLocale() ?? pickLocale(navigator.languages.length > 0 ? navigator.languages : [navigator.language])
  );
}

export interface LocaleSwitch {
  readonly locale: Locale;
  /** Changes the app's language now (and remembers it on this browser). */
  readonly setLocale: (locale: Locale) => void;
}

export const LocaleSwitchContext = createContext<LocaleSwitch>({ locale: 'en', setLocale: () => {} });

export function useLocaleSwitch(): LocaleSwitch {
  return useContext(LocaleSwitchContext);
}

function apply(locale: Locale): void {
  document.documentElement.lang = locale;
  setRequestLocale(locale);
}

export function LocaleRoot({ children }: { readonly children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(() => {
    const first = initialLocale();
    apply(first);
    return first;
  });
  const setLocale = useCallback((next: Locale) => {
    apply(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered on this browser; the account setting still is.
    }
    setLocaleState(next);
  }, []);
  const i18n = useMemo(() => createI18n(locale), [locale]);
  const localeSwitch = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return (
    <LocaleSwitchContext value={localeSwitch}>
      <I18nContext value={i18n}>{children}</I18nContext>
    </LocaleSwitchContext>
  );
}
