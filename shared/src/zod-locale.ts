/**
 * zod/mini ships without messages ("Invalid input") to stay small; English messages
 * cost ~1 KB. Imported for its side effect by every module that turns zod issues into
 * responses or errors (http.ts, events/envelope.ts).
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
