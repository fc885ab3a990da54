import { z } from 'zod';
import { userError } from './errors.js';
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

const PersonaChanges = z.object({
  name: z.string().trim().min(1, 'the name is empty').max(PERSONA_NAME_MAX, `the name is longer than ${PERSONA_NAME_MAX} characters`).optional(),
  instructions: z
    .string()
    .trim()
    .min(1, 'the instructions are empty')
    .max(PERSONA_INSTRUCTIONS_MAX, `the instructions are longer than ${PERSONA_INSTRUCTIONS_MAX} characters`)
    .optional(),
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

/** Whether a model takes images, by exact name or prefix from the configured list. */
export function isVisionModel(model: string, visionModels: readonly string[]): boolean {
  return visionModels.some((entry) => model === entry || model.startsWith(entry));
}
