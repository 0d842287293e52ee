/**
 * Issue 9 point 4 in the Security Center: tips tied to this account's gaps, and the optional
 * five-question quiz, scored by the server, whose last result is kept on the profile.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import { fetchQuizResult, type QuizResult, submitQuiz } from '../api-messages.ts';
import { fetchPasswordFree } from '../api-payments.ts';
import type { SecurityOverview } from '../api-security.ts';
import { ErrorRegion, useAction } from '../forms.tsx';
import { type MessageKey, useI18n } from '../i18n.ts';
import { SectionCard, useDateTimeFormat, useLoad } from './shared.tsx';
import { securityTips } from './tips.ts';

export function SecurityTipsSection({ overview }: { readonly overview: SecurityOverview }) {
  const { t } = useI18n();
  const passwordFree = useLoad(fetchPasswordFree);
  const tips = securityTips(overview, passwordFree.data?.enabled ?? false);
  return (
    <SectionCard anchor="tips" title={t('tips.title')} lead={t('tips.lead')}>
      <ul className="tips">
        {tips.map((tip) => (
          <li key={tip.key}>{tip.anchor ? <a href={`#${tip.anchor}`}>{t(tip.key)}</a> : t(tip.key)}</li>
        ))}
      </ul>
    </SectionCard>
  );
}

/** Choices per question (the server's QUIZ_CHOICES) and the questions, in the server's order. */
const QUESTIONS = [1, 2, 3, 4, 5] as const;
const CHOICES = [0, 1, 2] as const;

export function SecurityQuizSection() {
  const { t } = useI18n();
  const ids = useId();
  const dateFormat = useDateTimeFormat();
  const [last, setLast] = useState<QuizResult | null>(null);
  const [open, setOpen] = useState(false);
  const [answers, setAnswers] = useState<readonly (number | null)[]>(QUESTIONS.map(() => null));
  const [result, setResult] = useState<QuizResult | null>(null);
  const [incomplete, setIncomplete] = useState(false);
  const submit = useAction();

  useEffect(() => {
    const controller = new AbortController();
    fetchQuizResult(controller.signal).then(setLast, () => {
      // The quiz still works; only the last result is not shown.
    });
    return () => controller.abort();
  }, []);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const chosen = answers.filter((a): a is number => a !== null);
    if (chosen.length !== QUESTIONS.length) {
      setIncomplete(true);
      return;
    }
    void submit.run(async () => {
      const scored = await submitQuiz(chosen);
      setResult(scored);
      setLast(scored);
    });
  }

  return (
    <SectionCard anchor="quiz" title={t('quiz.title')} lead={t('quiz.lead')}>
      {last && (
        <p data-testid="quiz-last">
          {t('quiz.last', {
            score: last.score,
            questions: last.questions,
            date: dateFormat.format(last.completedAt),
          })}
        </p>
      )}
      {!open ? (
        <button type="button" className="button" onClick={() => setOpen(true)}>
          {last ? t('quiz.retake') : t('quiz.start')}
        </button>
      ) : (
        <form className="form" onSubmit={onSubmit} aria-busy={submit.busy} noValidate>
          {QUESTIONS.map((q, qi) => (
            <fieldset key={q} className="group quiz-question">
              <legend>{t(`quiz.q${q}` as MessageKey)}</legend>
              <div className="choices">
                {CHOICES.map((c) => (
                  <label key={c} className="choice">
                    <input
                      type="radio"
                      name={`${ids}-q${q}`}
                      value={c}
                      checked={answers[qi] === c}
                      onChange={() => {
                        setAnswers(answers.map((a, i) => (i === qi ? c : a)));
                        setIncomplete(false);
                      }}
                    />
                    <span>{t(`quiz.q${q}.a${c}` as MessageKey)}</span>
                  </label>
                ))}
              </div>
              {result?.correct && (
                <p className={result.correct[qi] ? 'notice notice-success' : 'notice notice-warning'}>
                  <strong>{result.correct[qi] ? t('quiz.right') : t('quiz.wrong')}</strong>{' '}
                  {t(`quiz.q${q}.why` as MessageKey)}
                </p>
              )}
            </fieldset>
          ))}
          <p role="alert" className="field-problem">
            {incomplete ? t('quiz.answerAll') : ''}
          </p>
          <ErrorRegion title={t('quiz.failed')} error={submit.error} />
          <p role="status" className="live-region" data-testid="quiz-result">
            {result ? t('quiz.result', { score: result.score, questions: result.questions }) : ''}
          </p>
          <button type="submit" className="button button-primary" aria-busy={submit.busy}>
            {t('quiz.submit')}
          </button>
        </form>
      )}
    </SectionCard>
  );
}
