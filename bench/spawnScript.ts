import type { RecordedRequest, ScriptedResponse } from '../test/support/llm/types.js';

/**
 * The scripted model of `bench:spawn`, one answer per kind of agent and call, and the moments
 * that matter, taken when a request arrives (the script runs at once, and answers with no
 * latency). A helper is told by the `Your task: …` line of its system prompt, a channel agent
 * has none; each run's message and every task carry the run's mark (`[tree 3]`), so that
 * requests of one run are told from another's.
 */

export type Shape = 'tree' | 'fanout';

/** How a run's tree is made: the channel agent spawns `children`, each of which spawns `grandchildren`. */
export interface ShapeSpec {
  shape: Shape;
  children: number;
  grandchildren: number;
}

/** One run, as the model saw it (`performance.now()` of this process). */
export interface RunTimeline {
  readonly mark: string;
  /** The channel agent's call answered with spawn_helpers. */
  spawnedAt?: number;
  /** The channel agent's call whose last user message is "Results of …": its continuing turn. */
  resultsAt?: number;
  /** Each helper's first call, by task. */
  readonly helperFirstAt: Map<string, number>;
  /** Each helper's answering call (its last), by task. */
  readonly helperAnsweredAt: Map<string, number>;
}

const MARK = /\[(tree|fanout) (\d+)\]/;
const TASK_LINE = /^Your task: (.*)$/m;

export class SpawnScript {
  private readonly runs = new Map<string, { spec: ShapeSpec; timeline: RunTimeline }>();

  /** Registers a run; returns the text of the message that starts it (to send mentioning the bot). */
  begin(spec: ShapeSpec, run: number): { content: string; timeline: RunTimeline } {
    const mark = `[${spec.shape} ${run}]`;
    const timeline: RunTimeline = { mark, helperFirstAt: new Map(), helperAnsweredAt: new Map() };
    this.runs.set(mark, { spec, timeline });
    return { content: `${mark} split the release plan into parts and have helpers work on them in parallel`, timeline };
  }

  /** Forgets a finished run. */
  end(timeline: RunTimeline): void {
    this.runs.delete(timeline.mark);
  }

  /** The fake model's script function. */
  readonly respond = (request: RecordedRequest): ScriptedResponse => {
    const now = performance.now();
    const task = TASK_LINE.exec(String(request.messages[0]?.content ?? ''))?.[1] ?? null;
    const run = this.runOf(task ?? markInConversation(request));
    // A call the script has no answer for gets a 500 naming it, and its run times out: loudly.
    if (!run) throw new Error(`bench:spawn: a model call of no run (task: ${task ?? 'none'})`);
    const { spec, timeline } = run;
    const lastUser = request.lastUserText ?? '';
    const afterTool = request.messages.at(-1)?.role === 'tool';
    const results = !afterTool && lastUser.startsWith('Results of');
    if (task === null) {
      if (results) {
        timeline.resultsAt ??= now;
        return { text: `Combined ${timeline.mark}: every part is done.` };
      }
      if (afterTool) return { text: 'I started the helpers and will report back.' };
      timeline.spawnedAt ??= now;
      return spawn(Array.from({ length: spec.children }, (_, index) => `Part ${index + 1} of the release plan ${timeline.mark}`));
    }
    if (!timeline.helperFirstAt.has(task)) timeline.helperFirstAt.set(task, now);
    const part = /^Part (\d+) of the release plan/.exec(task)?.[1];
    if (part !== undefined && spec.grandchildren > 0) {
      if (results) {
        timeline.helperAnsweredAt.set(task, now);
        return { text: `Part ${part}: all its pieces are ready.` };
      }
      if (afterTool) return { text: 'Waiting for my helpers.' };
      return spawn(Array.from({ length: spec.grandchildren }, (_, index) => `Piece ${index + 1} of part ${part} ${timeline.mark}`));
    }
    timeline.helperAnsweredAt.set(task, now);
    return { text: `Finished: ${task}` };
  };

  private runOf(text: string | null) {
    const mark = text === null ? null : MARK.exec(text)?.[0];
    return mark ? this.runs.get(mark) : undefined;
  }
}

function spawn(tasks: string[]): ScriptedResponse {
  return { toolCalls: [{ name: 'spawn_helpers', arguments: { helpers: tasks.map((task) => ({ task })) } }] };
}

/** The channel agent's calls: the run's mark is in the person's message, the newest user message that has one. */
function markInConversation(request: RecordedRequest): string | null {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index]!;
    if (message.role !== 'user') continue;
    const content = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
    if (MARK.test(content)) return content;
  }
  return null;
}
