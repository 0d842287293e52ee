/**
 * One domain's web strings, in both languages. Each page family keeps its texts in its own file
 * here (web/src/messages/<domain>.ts) and i18n.ts spreads them into the two dictionaries, so a
 * missing Chinese text is a compile error in the file that forgot it.
 */
export interface DomainMessages<K extends string> {
  readonly en: Readonly<Record<K, string>>;
  readonly zhCN: Readonly<Record<K, string>>;
}

export function defineMessages<const E extends Record<string, string>>(
  en: E,
  zhCN: Readonly<Record<keyof E & string, string>>,
): DomainMessages<keyof E & string> {
  return { en, zhCN };
}
