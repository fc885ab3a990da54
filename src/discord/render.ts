import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import type { MessageAction } from '../agents/ports.js';

/** Nobody is pinged by what the bot writes: the model's text is not trusted to mention anyone. */
export const NO_MENTIONS = { parse: [] as never[] };

/** Buttons for a message, five to a row as Discord allows. */
export function actionRows(actions: MessageAction[]): APIActionRowComponent<APIButtonComponent>[] {
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let index = 0; index < actions.length; index += 5) {
    rows.push({
      type: ComponentType.ActionRow,
      components: actions.slice(index, index + 5).map((action) => ({
        type: ComponentType.Button,
        style: ButtonStyle.Secondary,
        custom_id: action.id,
        label: action.label,
      })),
    });
  }
  return rows;
}
