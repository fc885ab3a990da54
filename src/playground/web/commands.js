/** Slash commands as the picker lists them: each command, subcommand and group subcommand on its own. */

const SUBCOMMAND = 1;
const SUBCOMMAND_GROUP = 2;
export const OPTION = { string: 3, integer: 4, boolean: 5, user: 6, channel: 7, role: 8, mentionable: 9, number: 10, attachment: 11 };

/** `[{ label: 'persona set', name, subcommandGroup, subcommand, description, options }]` of chat-input commands. */
export function flattenCommands(commands) {
  const choices = [];
  for (const command of commands) {
    if ((command.type ?? 1) !== 1) continue;
    const options = command.options ?? [];
    const subcommands = options.filter((option) => option.type === SUBCOMMAND || option.type === SUBCOMMAND_GROUP);
    if (subcommands.length === 0) {
      choices.push({ label: command.name, name: command.name, description: command.description, options });
      continue;
    }
    for (const option of subcommands) {
      if (option.type === SUBCOMMAND) {
        choices.push({ label: `${command.name} ${option.name}`, name: command.name, subcommand: option.name, description: option.description, options: option.options ?? [] });
        continue;
      }
      for (const sub of option.options ?? []) {
        choices.push({ label: `${command.name} ${option.name} ${sub.name}`, name: command.name, subcommandGroup: option.name, subcommand: sub.name, description: sub.description, options: sub.options ?? [] });
      }
    }
  }
  return choices.sort((left, right) => left.label.localeCompare(right.label));
}

/** The picker's choices for what follows the `/`: labels starting with it first, then labels with a word starting with it. */
export function matchCommands(choices, typed) {
  const query = typed.trim().toLowerCase().replace(/\s+/g, ' ');
  const starts = choices.filter((choice) => choice.label.startsWith(query));
  const wordStarts = choices.filter((choice) => !choice.label.startsWith(query) && choice.label.split(' ').some((word) => word.startsWith(query)));
  return [...starts, ...wordStarts];
}

/** The typed values as the API takes them: numbers and booleans typed, empty fields left out. */
export function optionValues(choice, values) {
  const typed = {};
  for (const option of choice.options) {
    const raw = values[option.name];
    if (raw === undefined || raw === '') continue;
    const number = option.type === OPTION.integer || option.type === OPTION.number ? Number(raw) : Number.NaN;
    // A number that is not one stays text: the API's refusal then says what is wrong with it.
    if (!Number.isNaN(number)) typed[option.name] = number;
    else if (option.type === OPTION.boolean) typed[option.name] = raw === 'true';
    else typed[option.name] = raw;
  }
  return typed;
}
