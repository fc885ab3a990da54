import { type DemoMessage, contentText, firstCharacters, lastUserText } from './messageText.js';

/**
 * The deterministic "model" behind `npm run fake-llm` and the default answer of every test server.
 * Its grammar (one command per line of the last user message, anywhere in the line):
 *
 * - `remember: <fact>`           → `remember {fact}`
 * - `forget: <id>` (or `#<id>`)  → `forget {fact_id}`
 * - `recall: <query>`            → `recall {query}`
 * - `spawn <helper>: <task>`     → `spawn_helpers {helpers: [{helper, task}]}`; `spawn: <task>` omits
 *   the helper; several spawn lines become one call with several helpers
 * - `schedule "<cron>": <task>`  → `schedule_task {cron, task}`
 *
 * Commands for tools the request does not offer are ignored. Tools are called only when the last
 * message is the user's; after tool results it answers `Tool <name> returned: <first 200
 * characters>` (one line per result); otherwise `Echo: <last user message> (<N> messages)`.
 */

/** How much of a tool result the demo brain quotes back. */
export const QUOTED_RESULT_CHARACTERS = 200;

/** The parts of a request the demo brain looks at. */
export interface DemoBrainInput {
  messages: readonly DemoMessage[];
  /** The tools the request offers: commands for any other tool are ignored. */
  toolNames: readonly string[];
}

/** A tool call the demo brain makes. */
export interface DemoToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** The demo brain's answer: text, or tool calls. */
export interface DemoReply {
  text?: string;
  toolCalls?: DemoToolCall[];
}

/** The demo brain's answer to a request. Pure: the same input always gives the same reply. */
export function demoBrainReply(request: DemoBrainInput): DemoReply {
  const { messages } = request;
  const last = messages.at(-1);
  if (last?.role === 'tool') return { text: describeToolResults(messages) };
  if (last?.role === 'user') {
    const toolCalls = commandToolCalls(contentText(last.content), new Set(request.toolNames));
    if (toolCalls.length > 0) return { toolCalls };
  }
  return { text: `Echo: ${lastUserText(messages) ?? ''} (${messages.length} messages)` };
}

/** One element of `spawn_helpers`' `helpers` argument. */
export interface SpawnHelperArgument {
  task: string;
  helper?: string;
}

type ParsedCommand =
  | { name: 'spawn_helpers'; helper: SpawnHelperArgument }
  | { name: string; arguments: Record<string, unknown> };

interface LineCommand {
  pattern: RegExp;
  parse(match: RegExpExecArray): ParsedCommand;
}

// Matched anywhere in the line, not only at its start, because the bot may prefix the user's text
// (author name, mention) before sending it to the model.
const lineCommands: readonly LineCommand[] = [
  {
    pattern: /\bschedule\s+"([^"]+)"\s*:\s*(.*\S)/i,
    parse: (match) => ({ name: 'schedule_task', arguments: { cron: match[1], task: match[2] } }),
  },
  {
    pattern: /\bspawn(?:\s+([\w-]+))?\s*:\s*(.*\S)/i,
    parse: (match) => ({
      name: 'spawn_helpers',
      helper: match[1] ? { helper: match[1], task: match[2] ?? '' } : { task: match[2] ?? '' },
    }),
  },
  { pattern: /\bremember:\s*(.*\S)/i, parse: (match) => ({ name: 'remember', arguments: { fact: match[1] } }) },
  { pattern: /\bforget:\s*#?(\d+)\b/i, parse: (match) => ({ name: 'forget', arguments: { fact_id: Number(match[1]) } }) },
  { pattern: /\brecall:\s*(.*\S)/i, parse: (match) => ({ name: 'recall', arguments: { query: match[1] } }) },
];

/**
 * Tool calls for the command lines of `text`, keeping only offered tools. Successive spawn lines
 * join one `spawn_helpers` call, since that tool takes a list.
 */
export function commandToolCalls(text: string, offeredToolNames: ReadonlySet<string>): DemoToolCall[] {
  const toolCalls: DemoToolCall[] = [];
  let spawnedHelpers: SpawnHelperArgument[] | undefined;
  for (const line of text.split('\n')) {
    const command = firstCommandOf(line);
    if (!command || !offeredToolNames.has(command.name)) continue;
    if ('arguments' in command) {
      toolCalls.push(command);
    } else if (spawnedHelpers) {
      spawnedHelpers.push(command.helper);
    } else {
      spawnedHelpers = [command.helper];
      toolCalls.push({ name: command.name, arguments: { helpers: spawnedHelpers } });
    }
  }
  return toolCalls;
}

/** The command that starts earliest in the line, so a command's text may mention another keyword. */
function firstCommandOf(line: string): ParsedCommand | undefined {
  let earliest: { index: number; command: ParsedCommand } | undefined;
  for (const { pattern, parse } of lineCommands) {
    const match = pattern.exec(line);
    if (match && (!earliest || match.index < earliest.index)) earliest = { index: match.index, command: parse(match) };
  }
  return earliest?.command;
}

/** One line per trailing tool result, in the order the results were sent. */
function describeToolResults(messages: readonly DemoMessage[]): string {
  const trailingResults: DemoMessage[] = [];
  for (let position = messages.length - 1; position >= 0; position -= 1) {
    const message = messages[position];
    if (message?.role !== 'tool') break;
    trailingResults.unshift(message);
  }
  return trailingResults
    .map((result) => {
      const name = result.tool_call_id === undefined ? 'unknown' : toolNameOfCall(messages, result.tool_call_id);
      const quoted = firstCharacters(contentText(result.content), QUOTED_RESULT_CHARACTERS);
      return `Tool ${name} returned: ${quoted}`;
    })
    .join('\n');
}

/** The name of the tool an assistant message called with `toolCallId`; results only carry the id. */
function toolNameOfCall(messages: readonly DemoMessage[], toolCallId: string): string {
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const call of message.tool_calls ?? []) {
      if (call.id !== toolCallId) continue;
      return (call.function ?? call.custom)?.name ?? 'unknown';
    }
  }
  return 'unknown';
}
