/**
 * The optional security quiz (issue 9 point 4; Alipay runs one, seed 002): five questions on the
 * scams the seeds describe. The questions' wording lives in the web app (both languages,
 * web/src/messages/messages.ts); the answer key lives here, so the score kept on the profile is
 * computed by the server and not whatever a client claims.
 */
import type { Kysely } from 'kysely';
import { DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { NOTIFY_ERRORS } from './errors.ts';

/** Index of the right choice per question (each has QUIZ_CHOICES choices). Order matches the web app. */
export const QUIZ_ANSWER_KEY = [1, 0, 2, 1, 2] as const;
export const QUIZ_CHOICES = 3;

export interface QuizResult {
  readonly score: number;
  readonly questions: number;
  readonly completedAt: Date;
  /** Per question: whether it was answered right (for the explanations shown afterwards). */
  readonly correct?: readonly boolean[];
}

export async function submitQuiz(
  db: Kysely<Database>,
  nowMs: number,
  input: { readonly userId: string; readonly answers: readonly number[] },
): Promise<QuizResult> {
  if (
    input.answers.length !== QUIZ_ANSWER_KEY.length ||
    input.answers.some((a) => !Number.isInteger(a) || a < 0 || a >= QUIZ_CHOICES)
  ) {
    throw new DomainError(NOTIFY_ERRORS.QUIZ_ANSWERS_INVALID, { questions: QUIZ_ANSWER_KEY.length });
  }
  const correct = QUIZ_ANSWER_KEY.map((right, i) => input.answers[i] === right);
  const score = correct.filter(Boolean).length;
  const completedAt = new Date(nowMs);
  await db
    .insertInto('security_quiz_results')
    .values({ user_id: input.userId, score, questions: QUIZ_ANSWER_KEY.length, completed_at: completedAt })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ score, questions: QUIZ_ANSWER_KEY.length, completed_at: completedAt }),
    )
    .execute();
  return { score, questions: QUIZ_ANSWER_KEY.length, completedAt, correct };
}

export async function loadQuizResult(db: Kysely<Database>, userId: string): Promise<QuizResult | null> {
  const row = await db
    .selectFrom('security_quiz_results')
    .select(['score', 'questions', 'completed_at'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? { score: row.score, questions: row.questions, completedAt: row.completed_at } : null;
}
