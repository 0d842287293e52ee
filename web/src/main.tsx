import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { createI18n, I18nContext, pickLocale } from './i18n.ts';
import './styles.css';

const i18n = createI18n(
  pickLocale(navigator.languages.length > 0 ? navigator.languages : [navigator.language]),
);
document.documentElement.lang = i18n.locale;
document.title = i18n.t('app.name');

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <I18nContext value={i18n}>
      <App />
    </I18nContext>
  </StrictMode>,
);
