import { forgetTool } from './forget.js';
import { recallTool } from './recall.js';
import { rememberTool } from './remember.js';
import { cancelScheduleTool, listSchedulesTool, scheduleTaskTool } from './schedules.js';
import { spawnHelpersTool } from './spawnHelpers.js';
import { Toolbox } from './tool.js';

/** Every tool an agent can be given; personas choose among them. */
export function createToolbox(): Toolbox {
  return new Toolbox([rememberTool, forgetTool, recallTool, spawnHelpersTool, scheduleTaskTool, listSchedulesTool, cancelScheduleTool]);
}
