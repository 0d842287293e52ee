/** Error codes of the notification centre, preferences, announcements and the security quiz. */
import { defineErrors } from '../shared/index.ts';

export const NOTIFY_ERRORS = defineErrors({
  PREFERENCE_LOCKED: {
    code: 'preference_locked',
    message:
      'Security notices (new sign-ins, password or phone changes, freezes, recovery) cannot be switched off.',
    status: 409,
  },
  CHANNEL_NOT_OFFERED: {
    code: 'channel_not_offered',
    message: 'This kind of message is not sent on that channel.',
    status: 400,
  },
  MESSAGE_NOT_FOUND: { code: 'message_not_found', message: 'No such message in your inbox.', status: 404 },
  UNSAFE_CONTENT: {
    code: 'unsafe_content',
    message: 'Announcements are plain text: HTML tags, entities and script links are refused.',
    status: 400,
  },
  QUIZ_ANSWERS_INVALID: {
    code: 'quiz_answers_invalid',
    message: 'Answer every question of the quiz with one of its choices.',
    status: 400,
  },
});
