import { z } from 'zod';
import { userError } from './errors.js';
import { isVisiblyEmpty } from './text.js';
import type { Persona } from './types.js';

export const PERSONA_NAME_MAX = 80;
export const PERSONA_INSTRUCTIONS_MAX = 4000;

/** The persona every agent starts from unless its guild chose another. */
export function defaultPersona(model: string): Persona {
  return {
    name: 'Matryoshka',
    instructions:
      'You are Matryoshka, a helpful assistant in a Discord server. Answer concisely and accurately, ' +
      'in the language you are addressed in. Several people may talk to you: each user message starts ' +
      'with the speaker\'s name. Use your tools to remember facts people ask you to keep and to recall ' +
      'older parts of the conversation. Say so when you do not know something.',
    model,
    temperature: null,
    tools: null,
  };
}

const modelName = z.string().trim().regex(/^[\w.:/@-]{1,100}$/, 'a model name: letters, digits and . : / @ - _, at most 100 characters');

/** A text that must show something: zero-width characters alone would make an invisible name. */
const visibleText = (max: number, messages: { empty: string; tooLong: string }) =>
  z.string().trim().max(max, messages.tooLong).refine((text) => !isVisiblyEmpty(text), messages.empty);

const PersonaChanges = z.object({
  name: visibleText(PERSONA_NAME_MAX, {
    empty: 'the name is empty (blank or invisible characters only)',
    tooLong: `the name is longer than ${PERSONA_NAME_MAX} characters`,
  }).optional(),
  instructions: visibleText(PERSONA_INSTRUCTIONS_MAX, {
    empty: 'the instructions are empty (blank or invisible characters only)',
    tooLong: `the instructions are longer than ${PERSONA_INSTRUCTIONS_MAX} characters`,
  }).optional(),
  model: modelName.optional(),
  temperature: z.number().min(0, 'temperature must be between 0 and 2').max(2, 'temperature must be between 0 and 2').nullable().optional(),
});

export type PersonaChanges = z.input<typeof PersonaChanges>;

/**
 * Applies validated changes to a persona.
 * @throws AppError (user) naming every invalid field.
 */
export function applyPersonaChanges(current: Persona, changes: PersonaChanges): Persona {
  const result = PersonaChanges.safeParse(changes);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
    throw userError('invalid_persona', `That persona is not valid — ${problems.join('; ')}.`);
  }
  const valid = result.data;
  return {
    ...current,
    ...(valid.name !== undefined && { name: valid.name }),
    ...(valid.instructions !== undefined && { instructions: valid.instructions }),
    ...(valid.model !== undefined && { model: valid.model }),
    ...(valid.temperature !== undefined && { temperature: valid.temperature }),
  };
}

/** A plain decimal number: digits with at most one dot (`1`, `0.7`, `.5`, `2.`); no sign, exponent, hex or comma. */
const PLAIN_DECIMAL = /^(?:\d+\.?\d*|\.\d+)$/;

/**
 * The temperature a person typed (the persona form's field): empty means the provider's default.
 * @throws AppError (user) naming the field, unless it is a plain decimal number from 0 to 2.
 */
export function parseTemperature(text: string): number | null {
  const typed = text.trim();
  if (typed === '') return null;
  const value = PLAIN_DECIMAL.test(typed) ? Number(typed) : Number.NaN;
  if (value >= 0 && value <= 2) return value;
  const hint = /^\d*,\d+$/.test(typed) ? ` (write ${typed.replace(',', '.')}: the decimal separator is a dot)` : '';
  throw userError(
    'invalid_temperature',
    `Temperature must be a plain number from 0 to 2, like 0.7 (or empty for the provider's default), not "${typed}"${hint}.`,
  );
}

/** Whether a model takes images, by exact name or prefix from the configured list. */
export function isVisionModel(model: string, visionModels: readonly string[]): boolean {
  return visionModels.some((entry) => model === entry || model.startsWith(entry));
}
